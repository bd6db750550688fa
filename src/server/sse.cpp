// Server-Sent Events over the store's events (sse.hpp). Each stream reads
// the store itself (its thread's connection), so a slow one delays no other;
// between reads every stream waits on the hub's one watcher of the
// registry's wake file (one inotify instance however many streams: the
// kernel allows 128 per user by default).

#include "server/sse.hpp"

#include "app/run_views.hpp"
#include "app/runs_service.hpp"
#include "registry/registry.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <charconv>
#include <memory>

namespace hb::server {

namespace {

constexpr std::size_t k_batch = 200;
constexpr int k_wait_ms = 250;
constexpr TimeMs k_keepalive_ms = 15000;

std::string
sse_event(const std::string& id, const std::string& type, const Json& data)
{
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", id, type, dump_json(data));
}

std::optional<std::int64_t>
parse_int(std::string_view text)
{
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// `<at>.<seq>.<run id>`, the id of an event in the stream of every run.
std::string
cursor_id(const EventCursor& c)
{
  return fmt::format("{}.{}.{}", c.at, c.seq, c.run_id);
}

std::optional<EventCursor>
parse_cursor(const std::string& text)
{
  auto first = text.find('.');
  auto second = first == std::string::npos ? first : text.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  auto at = parse_int(std::string_view(text).substr(0, first));
  auto seq = parse_int(std::string_view(text).substr(first + 1, second - first - 1));
  if (!at || !seq) return std::nullopt;
  return EventCursor{*at, *seq, text.substr(second + 1)};
}

// What a stream keeps between chunks.
struct StreamState
{
  const ApiContext* context = nullptr;
  const std::atomic<bool>* closing = nullptr;
  SseHub* hub = nullptr;
  std::uint64_t seen = 0; // the hub's change count before the last read
  TimeMs last_sent = 0;
  bool first = true;
  // One run's stream: its events after after_seq, and its latest attempt's
  // output after these offsets (as `log` events).
  std::string run_id;
  std::int64_t after_seq = 0;
  int attempt = 0;
  std::uint64_t out_offset = 0;
  std::uint64_t err_offset = 0;
  // Every run's stream.
  EventCursor cursor;
};

// Waits for a change (a wake, or k_wait_ms); a keep-alive comment when
// nothing was sent for a while, so a dead client is noticed.
void
idle(StreamState& st, std::string& chunk)
{
  st.context->release_store(); // no connection is held while waiting
  st.hub->wait_for_change(st.seen, k_wait_ms);
  if (now_ms() - st.last_sent >= k_keepalive_ms) {
    chunk += ": keep-alive\n\n";
    st.last_sent = now_ms();
  }
}

constexpr std::size_t k_log_chunk = 64 * 1024;

// One run's stream ids: the event seq, and once output was sent the log
// offsets too (`<seq>:<stdout offset>:<stderr offset>`), so a reconnect
// resumes both.
std::string
run_stream_id(const StreamState& st)
{
  if (st.out_offset == 0 && st.err_offset == 0) return std::to_string(st.after_seq);
  return fmt::format("{}:{}:{}", st.after_seq, st.out_offset, st.err_offset);
}

// New output of one stream as a `log` event: whole lines while the run is
// active, everything once it settled; at most k_log_chunk bytes at a time.
bool
pump_log(StreamState& st, std::string& chunk, bool is_stderr, bool settled)
{
  std::uint64_t& offset = is_stderr ? st.err_offset : st.out_offset;
  auto path = registry::log_path(st.context->paths(), st.run_id, is_stderr, st.attempt);
  std::uint64_t at = offset;
  std::string data = app::read_log_from(path, at);
  if (data.size() > k_log_chunk) {
    at -= data.size() - k_log_chunk;
    data.resize(k_log_chunk);
  }
  if (!settled && data.size() < k_log_chunk) {
    auto newline = data.rfind('\n');
    if (newline == std::string::npos) return false;
    at -= data.size() - (newline + 1);
    data.resize(newline + 1);
  }
  if (data.empty()) return false;
  std::uint64_t from = offset;
  offset = at;
  chunk += sse_event(run_stream_id(st), "log",
                     Json{{"stream", is_stderr ? "stderr" : "stdout"}, {"attempt", st.attempt},
                          {"offset", from}, {"text", data}});
  return true;
}

// What every chunk starts with: stop when the daemon closes, the retry
// hint first, note the changes seen so far; the store, or null to stop.
Store*
begin_chunk(StreamState& st, std::string& chunk)
{
  if (*st.closing) return nullptr;
  if (st.first) {
    chunk += "retry: 1000\n\n";
    st.first = false;
  }
  st.seen = st.hub->changes();
  auto store = st.context->store();
  return store ? *store : nullptr;
}

bool
run_chunk(StreamState& st, std::string& chunk)
{
  Store* store = begin_chunk(st, chunk);
  if (!store) return false;
  // Read the run before its events: when it is terminal here, every event
  // it will ever have is already written and read below.
  auto run = store->get_run(st.run_id);
  if (!run || !*run) return false;
  bool settled = is_terminal((*run)->status);
  auto events = store->run_events(st.run_id, st.after_seq, k_batch);
  if (!events) return false;
  for (const auto& e : *events) {
    st.after_seq = e.seq;
    chunk += sse_event(run_stream_id(st), e.type, app::run_event_json(e));
  }
  if ((*run)->attempt != st.attempt) {
    // A new attempt writes new files: its output starts at 0.
    st.attempt = (*run)->attempt;
    st.out_offset = st.err_offset = 0;
  }
  bool logged = pump_log(st, chunk, false, settled);
  logged = pump_log(st, chunk, true, settled) || logged;
  if (!events->empty() || logged) {
    st.last_sent = now_ms();
    return true;
  }
  if (settled) return false;
  idle(st, chunk);
  return true;
}

bool
all_chunk(StreamState& st, std::string& chunk)
{
  Store* store = begin_chunk(st, chunk);
  if (!store) return false;
  auto events = store->events_after(st.cursor, k_batch);
  if (!events) return false;
  for (const auto& e : *events) {
    st.cursor = EventCursor{e.at, e.seq, e.run_id};
    Json data = app::run_event_json(e);
    data["run_id"] = e.run_id;
    chunk += sse_event(cursor_id(st.cursor), e.type, data);
  }
  if (!events->empty()) {
    st.last_sent = now_ms();
    return true;
  }
  idle(st, chunk);
  return true;
}

} // namespace

SseHub::SseHub(const ApiContext& context, int max_streams)
  : m_context(context), m_max(max_streams), m_watcher([this] { watch(); })
{
}

SseHub::~SseHub()
{
  m_stop = true;
  m_changed.notify_all();
  if (m_watcher.joinable()) m_watcher.join();
}

void
SseHub::watch()
{
  registry::WakeWatcher watcher(m_context.paths());
  while (!m_stop) {
    // Without inotify, wait() sleeps 50 ms: the streams then read that often.
    if (watcher.wait(k_wait_ms) || watcher.fd() < 0) {
      std::lock_guard<std::mutex> lock(m_mutex);
      ++m_changes;
      m_changed.notify_all();
    }
  }
}

void
SseHub::close_all()
{
  m_closing = true;
  std::lock_guard<std::mutex> lock(m_mutex);
  m_changed.notify_all();
}

std::uint64_t
SseHub::changes()
{
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_changes;
}

void
SseHub::wait_for_change(std::uint64_t seen, int timeout_ms)
{
  std::unique_lock<std::mutex> lock(m_mutex);
  m_changed.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                     [&] { return m_changes != seen || m_closing || m_stop; });
}

SseStream
SseHub::open(const ApiRequest& request, const std::string& last_event_id)
{
  SseStream out;
  if (m_closing) {
    out.refusal = error_response(Error{"api.unavailable", "the daemon is stopping"});
    return out;
  }
  if (!request.query.empty()) {
    out.refusal = error_response(Error{"validation.unknown_parameter",
                                       fmt::format("{} takes no query parameters; resume with the "
                                                   "Last-Event-ID header",
                                                   request.path)});
    return out;
  }
  auto state = std::make_shared<StreamState>();
  state->context = &m_context;
  state->closing = &m_closing;
  auto store = m_context.store();
  if (!store) {
    out.refusal = error_response(store.error());
    return out;
  }
  bool one_run = !request.params.empty();
  if (one_run) {
    auto run = app::find_run(**store, request.params.front());
    if (!run) {
      out.refusal = error_response(run.error());
      return out;
    }
    state->run_id = run->id;
    state->attempt = run->attempt;
    if (!last_event_id.empty()) {
      // `<seq>` or `<seq>:<stdout offset>:<stderr offset>`.
      std::string_view id = last_event_id;
      auto first = id.find(':');
      auto second = first == std::string_view::npos ? first : id.find(':', first + 1);
      auto seq = parse_int(id.substr(0, first));
      std::optional<std::int64_t> out_off = 0, err_off = 0;
      if (first != std::string_view::npos) {
        out_off = second == std::string_view::npos ? std::nullopt
                                                   : parse_int(id.substr(first + 1, second - first - 1));
        err_off = second == std::string_view::npos ? std::nullopt : parse_int(id.substr(second + 1));
      }
      if (!seq || !out_off || !err_off) {
        out.refusal = error_response(Error{"validation.invalid_argument",
                                           fmt::format("Last-Event-ID `{}` is not an id of this "
                                                       "run's stream (<seq> or "
                                                       "<seq>:<stdout offset>:<stderr offset>)",
                                                       last_event_id)});
        return out;
      }
      state->after_seq = *seq;
      state->out_offset = static_cast<std::uint64_t>(*out_off);
      state->err_offset = static_cast<std::uint64_t>(*err_off);
    }
  } else if (!last_event_id.empty()) {
    auto cursor = parse_cursor(last_event_id);
    if (!cursor) {
      out.refusal = error_response(Error{"validation.invalid_argument",
                                         fmt::format("Last-Event-ID `{}` is not an id this stream "
                                                     "sent (<at>.<seq>.<run id>)",
                                                     last_event_id)});
      return out;
    }
    state->cursor = *cursor;
  } else {
    // A new subscriber starts from now: the runs list gave it the past.
    auto latest = (*store)->latest_event();
    if (!latest) {
      out.refusal = error_response(latest.error());
      return out;
    }
    state->cursor = *latest;
  }
  if (m_open.fetch_add(1) >= m_max) {
    m_open.fetch_sub(1);
    out.refusal = error_response(Error{"api.unavailable",
                                       fmt::format("{} event streams are open, the daemon's "
                                                   "limit; close one or retry later",
                                                   m_max)});
    return out;
  }
  state->hub = this;
  state->last_sent = now_ms();
  out.provider = [state, one_run](std::string& chunk) {
    return one_run ? run_chunk(*state, chunk) : all_chunk(*state, chunk);
  };
  out.release = [this] { m_open.fetch_sub(1); };
  return out;
}

} // namespace hb::server
