// The bench's live progress line (bench_progress.hpp): the state fed by the
// bench's events and the runner's progress lines, and a ticker thread that
// redraws it.

#include "cli/bench_progress.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <sys/ioctl.h>
#include <unistd.h>

namespace hb::cli {

void
apply_progress(BenchProgressState& state, const app::BenchProgress& event, std::int64_t now_ms)
{
  using Kind = app::BenchProgress::Kind;
  switch (event.kind) {
  case Kind::invocation_started:
    state.invocation = event.invocation;
    state.invocations = std::max<std::uint64_t>(event.invocations, 1);
    state.invocation_started_ms = now_ms;
    state.scenario.clear();
    state.iteration = 0;
    state.iterations = 0;
    break;
  case Kind::scenario:
    state.scenario = event.scenario;
    state.iteration = event.iteration;
    state.iterations = event.iterations;
    break;
  }
}

namespace {

bool
is_clock(std::string_view token)
{
  auto colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || token.size() - colon != 3) return false;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (i != colon && !std::isdigit(static_cast<unsigned char>(token[i]))) return false;
  }
  return true;
}

} // namespace

bool
apply_runner_line(BenchProgressState& state, std::string_view line)
{
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::vector<std::string_view> tokens;
  std::size_t at = 0;
  while (at < line.size() && tokens.size() < 3) {
    auto space = line.find(' ', at);
    auto end = space == std::string_view::npos ? line.size() : space;
    if (end > at) tokens.push_back(line.substr(at, end - at));
    at = end + 1;
  }
  if (tokens.size() < 2) return false;
  std::size_t clock = tokens[1].front() == '[' && tokens[1].back() == ']' ? 2 : 1;
  if (clock >= tokens.size() || !is_clock(tokens[clock])) return false;
  if (tokens[0].size() > 80) return false;
  if (state.scenario != tokens[0]) {
    state.scenario = std::string(tokens[0]);
    state.iteration = 0;
    state.iterations = 0;
  }
  return true;
}

ProgressFigures
progress_figures(const BenchProgressState& state, std::int64_t now_ms)
{
  ProgressFigures f;
  f.label = state.label;
  if (state.invocations > 1 && state.invocation > 0) {
    f.step = fmt::format("invocation {}/{}", state.invocation, state.invocations);
  }
  f.scenario = state.scenario;
  f.iteration = state.iteration;
  f.iterations = state.iterations;
  f.elapsed_ms = now_ms;
  double within = 0;
  if (state.iterations > 0 && state.iteration > 0) {
    within = static_cast<double>(state.iteration - 1) / static_cast<double>(state.iterations);
  }
  if (state.invocation > 0) {
    double done = (static_cast<double>(state.invocation - 1) + within)
                  / static_cast<double>(state.invocations);
    f.eta_ms = estimate_remaining_ms(now_ms, done);
  }
  return f;
}

struct BenchProgressDisplay::Impl
{
  ProgressLine line;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::mutex mutex;
  std::condition_variable wake;
  BenchProgressState state;
  std::string pending; // the runner's stderr since its last newline
  bool stop = false;
  std::thread ticker;

  Impl(std::string label, bool enabled) : line(stderr, enabled) { state.label = std::move(label); }

  std::int64_t now_ms() const
  {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                                 - start)
      .count();
  }

  static std::size_t width()
  {
    struct winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col - 1;
    return 79;
  }

  void redraw_locked() { line.draw(render_progress(progress_figures(state, now_ms()), width())); }

  void run()
  {
    std::unique_lock lock(mutex);
    while (!stop) {
      redraw_locked();
      wake.wait_for(lock, std::chrono::milliseconds(250), [&] { return stop; });
    }
  }
};

BenchProgressDisplay::BenchProgressDisplay(std::string label, bool enabled)
  : m_impl(std::make_unique<Impl>(std::move(label), enabled))
{
  if (enabled) {
    m_impl->ticker = std::thread([impl = m_impl.get()] { impl->run(); });
  }
}

BenchProgressDisplay::~BenchProgressDisplay()
{
  finish();
}

void
BenchProgressDisplay::finish()
{
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->stop = true;
  }
  m_impl->wake.notify_all();
  if (m_impl->ticker.joinable()) m_impl->ticker.join();
  m_impl->line.clear();
}

void
BenchProgressDisplay::attach(app::BenchRequest& request)
{
  Impl* impl = m_impl.get();
  request.on_progress = [impl](const app::BenchProgress& event) {
    std::lock_guard lock(impl->mutex);
    apply_progress(impl->state, event, impl->now_ms());
    if (!impl->stop) impl->redraw_locked();
  };
  request.on_runner_output = [impl](OutputStream stream, std::string_view chunk) {
    if (impl->line.enabled() && stream == OutputStream::stderr_stream) {
      std::lock_guard lock(impl->mutex);
      impl->pending.append(chunk);
      std::size_t nl;
      while ((nl = impl->pending.find('\n')) != std::string::npos) {
        apply_runner_line(impl->state, std::string_view(impl->pending).substr(0, nl));
        impl->pending.erase(0, nl + 1);
      }
      if (impl->pending.size() > 4096) impl->pending.clear();
    }
    // Runner output goes to our stderr, so stdout stays the report or JSON.
    impl->line.write_through(chunk);
  };
}

} // namespace hb::cli
