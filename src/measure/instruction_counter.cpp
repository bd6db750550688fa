// Instruction counting (measure/instruction_counter.hpp). perf_event: the
// counters are opened on this process, disabled, with inherit and
// enable_on_exec, so the command inherits them and they start counting at its
// exec; its counts (and its children's) are folded into ours when it exits.
// Our own threads inherit them too but never exec, so they stay disabled.
// cachegrind: `valgrind --tool=cachegrind` with one output file per process
// (%p), since --trace-children=yes would otherwise let each child overwrite
// its parent's file; the instructions of all files are added up.

#include "measure/instruction_counter.hpp"

#include "util/json.hpp"

#include <fmt/core.h>

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string.h>

namespace hb::measure {

namespace stdfs = std::filesystem;

namespace {

constexpr std::size_t k_tail_bytes = 2048;

bool
seam(const char* name)
{
  const char* value = std::getenv(name);
  return value && std::string_view(value) == "1";
}

/// Owns a perf event file descriptor.
class CounterFd
{
public:
  explicit CounterFd(int fd = -1) : m_fd(fd) {}
  ~CounterFd()
  {
    if (m_fd >= 0) ::close(m_fd);
  }
  CounterFd(const CounterFd&) = delete;
  CounterFd& operator=(const CounterFd&) = delete;
  int get() const { return m_fd; }

private:
  int m_fd;
};

/// A hardware counter on this process, disabled until an exec, inherited by
/// children; -1 with errno set when the machine does not offer it.
int
open_hardware_counter(std::uint64_t config)
{
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = config;
  attr.disabled = 1;
  attr.inherit = 1;
  attr.enable_on_exec = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  return static_cast<int>(
    ::syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
}

/// The counter's value, scaled up when the kernel multiplexed it.
std::optional<std::uint64_t>
read_counter(int fd)
{
  std::array<std::uint64_t, 3> values{}; // value, time enabled, time running
  if (::read(fd, values.data(), sizeof(values)) != static_cast<ssize_t>(sizeof(values))) {
    return std::nullopt;
  }
  if (values[2] == 0) {
    return values[1] == 0 ? std::optional<std::uint64_t>(0) : std::nullopt;
  }
  if (values[2] < values[1]) {
    return static_cast<std::uint64_t>(static_cast<double>(values[0])
                                      * static_cast<double>(values[1])
                                      / static_cast<double>(values[2]));
  }
  return values[0];
}

bool
perf_available()
{
  if (seam("HOMEBOY_TEST_NO_PERF")) return false;
  CounterFd fd(open_hardware_counter(PERF_COUNT_HW_INSTRUCTIONS));
  return fd.get() >= 0;
}

std::optional<std::string>
find_valgrind()
{
  if (seam("HOMEBOY_TEST_NO_VALGRIND")) return std::nullopt;
  const char* path = std::getenv("PATH");
  std::string search = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= search.size()) {
    std::size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::string dir = search.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/valgrind";
    struct stat info{};
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode)
        && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::string
tail_of(std::string text)
{
  if (text.size() > k_tail_bytes) text.erase(0, text.size() - k_tail_bytes);
  return text;
}

/// Runs the command, keeping its stderr's tail; stdout is dropped.
Result<ProcessResult>
run(const CountRequest& request, std::vector<std::string> argv, std::string& stderr_text)
{
  SpawnSpec spec;
  spec.argv = std::move(argv);
  spec.cwd = request.cwd;
  spec.env = request.env;
  spec.should_cancel = request.should_cancel;
  spec.group = request.group;
  spec.on_output = [&stderr_text](OutputStream stream, std::string_view chunk) {
    if (stream != OutputStream::stderr_stream) return;
    stderr_text.append(chunk);
    if (stderr_text.size() > 4 * k_tail_bytes) stderr_text = tail_of(std::move(stderr_text));
  };
  auto result = run_process(spec);
  if (!result) {
    return make_error("measure.spawn_failed",
                      fmt::format("cannot run `{}`: {}", request.argv.empty() ? "" : request.argv[0],
                                  result.error().message));
  }
  return result;
}

void
take_status(InstructionCount& count, const ProcessResult& process, std::string stderr_text)
{
  count.exit_code = process.exit_code;
  count.signal = process.signal;
  count.cancelled = process.cancelled;
  count.stderr_tail = tail_of(std::move(stderr_text));
}

Result<InstructionCount>
count_with_perf(const CountRequest& request)
{
  CounterFd instructions(open_hardware_counter(PERF_COUNT_HW_INSTRUCTIONS));
  if (instructions.get() < 0) {
    return make_error("measure.count_failed",
                      fmt::format("cannot open the hardware instruction counter: {}",
                                  std::strerror(errno)));
  }
  CounterFd misses(open_hardware_counter(PERF_COUNT_HW_CACHE_MISSES)); // where it opens
  std::string stderr_text;
  auto process = run(request, request.argv, stderr_text);
  if (!process) return Unexpected<Error>(std::move(process).error());
  InstructionCount count;
  count.counter = Counter::perf_event;
  take_status(count, *process, std::move(stderr_text));
  auto value = read_counter(instructions.get());
  if (!value) {
    return make_error("measure.count_failed",
                      "the hardware instruction counter could not be read after the command ran");
  }
  count.instructions = *value;
  if (misses.get() >= 0) count.cache_misses = read_counter(misses.get());
  return count;
}

std::string
read_text(const stdfs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A private scratch directory, removed when this goes out of scope.
class ScratchDir
{
public:
  ScratchDir()
  {
    std::error_code ec;
    stdfs::path base = stdfs::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string pattern = (base / "homeboy-cachegrind-XXXXXX").string();
    if (::mkdtemp(pattern.data())) m_path = pattern;
  }
  ~ScratchDir()
  {
    std::error_code ec;
    if (!m_path.empty()) stdfs::remove_all(m_path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const stdfs::path& path() const { return m_path; }

private:
  stdfs::path m_path;
};

Result<InstructionCount>
count_with_cachegrind(const CountRequest& request)
{
  auto valgrind = find_valgrind();
  if (!valgrind) {
    return make_error("measure.count_failed", "valgrind was not found in PATH");
  }
  ScratchDir scratch;
  if (scratch.path().empty()) {
    return make_error("measure.count_failed",
                      fmt::format("cannot create a scratch directory for cachegrind's output: {}",
                                  std::strerror(errno)));
  }
  std::vector<std::string> argv = {
    *valgrind,
    "--tool=cachegrind",
    "--cache-sim=no",
    "--trace-children=yes",
    "--cachegrind-out-file=" + (scratch.path() / "cachegrind.out.%p").string(),
    "--log-file=" + (scratch.path() / "valgrind.log.%p").string(),
  };
  argv.insert(argv.end(), request.argv.begin(), request.argv.end());
  std::string stderr_text;
  auto process = run(request, std::move(argv), stderr_text);
  if (!process) return Unexpected<Error>(std::move(process).error());
  InstructionCount count;
  count.counter = Counter::cachegrind;
  take_status(count, *process, std::move(stderr_text));
  std::size_t files = 0;
  std::string log_tail;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(scratch.path(), ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("valgrind.log.", 0) == 0) {
      log_tail += read_text(entry.path());
      continue;
    }
    if (name.rfind("cachegrind.out.", 0) != 0) continue;
    auto instructions = parse_cachegrind_output(read_text(entry.path()));
    if (!instructions) {
      // A process killed mid-way leaves a partial file; a failed command is
      // reported as such, not as an unreadable count.
      if (!count.succeeded()) continue;
      return Unexpected<Error>(std::move(instructions).error());
    }
    count.instructions += *instructions;
    ++files;
  }
  if (files == 0 && count.succeeded()) {
    return make_error("measure.count_failed",
                      fmt::format("valgrind ran `{}` but cachegrind wrote no counts; its log "
                                  "ends:\n{}",
                                  request.argv.empty() ? "" : request.argv[0],
                                  tail_of(log_tail)));
  }
  if (!count.succeeded() && count.stderr_tail.empty()) {
    count.stderr_tail = tail_of(log_tail); // e.g. "valgrind: foo: command not found"
  }
  return count;
}

} // namespace

const char*
counter_name(Counter counter)
{
  return counter == Counter::perf_event ? "perf_event (hardware)" : "cachegrind (valgrind)";
}

std::string
InstructionCount::describe() const
{
  if (cancelled) return "was stopped";
  if (exit_code) return fmt::format("exited with code {}", *exit_code);
  const char* name = signal ? sigabbrev_np(*signal) : nullptr;
  return name ? fmt::format("killed by SIG{}", name)
              : fmt::format("killed by signal {}", signal.value_or(0));
}

Result<Counter>
select_counter()
{
  if (perf_available()) return Counter::perf_event;
  if (find_valgrind()) return Counter::cachegrind;
  return make_error(
    "measure.counter_unavailable",
    "cannot count instructions on this machine: no hardware instruction counter opens "
    "(perf_event_open needs a CPU whose performance counters the kernel exposes, which many "
    "VMs do not, and /proc/sys/kernel/perf_event_paranoid at 2 or less) and Valgrind is not "
    "installed (`apt-get install valgrind` counts them under cachegrind, 20-50x slower); "
    "enable one of the two, or measure time (--measure time)",
    dump_json(Json{{"perf_event", "unavailable"}, {"valgrind", "not found in PATH"}}));
}

Result<InstructionCount>
count_instructions(const CountRequest& request, Counter counter)
{
  if (request.argv.empty()) {
    return make_error("validation.invalid_argument", "no command to count instructions of");
  }
  return counter == Counter::perf_event ? count_with_perf(request)
                                        : count_with_cachegrind(request);
}

Error
command_failed_error(const InstructionCount& count, std::string_view command)
{
  std::string under = count.counter == Counter::cachegrind ? "under Valgrind (cachegrind)"
                                                           : "while its instructions were counted";
  std::string tail = count.stderr_tail;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  Json details = {{"command", std::string(command)},
                  {"counter", counter_name(count.counter)},
                  {"stderr_tail", count.stderr_tail}};
  if (count.exit_code) details["exit_code"] = *count.exit_code;
  if (count.signal) details["signal"] = *count.signal;
  return Error{"measure.command_failed",
               fmt::format("`{}` {} {}; check that the command runs without {}{}", command,
                           count.describe(), under,
                           count.counter == Counter::cachegrind ? "Valgrind" : "the counter",
                           tail.empty() ? "" : ". Its stderr ends:\n" + tail),
               dump_json(details)};
}

Result<std::uint64_t>
parse_cachegrind_output(std::string_view text)
{
  auto fail = [](std::string what) {
    return make_error("measure.count_failed",
                      fmt::format("cachegrind's output cannot be read: {}", what));
  };
  std::optional<std::size_t> ir_index;
  bool have_events = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto words = [](std::string_view rest) {
      std::vector<std::string_view> out;
      std::size_t i = 0;
      while (i < rest.size()) {
        while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < rest.size() && rest[j] != ' ' && rest[j] != '\t') ++j;
        if (j > i) out.push_back(rest.substr(i, j - i));
        i = j;
      }
      return out;
    };
    if (line.rfind("events:", 0) == 0) {
      have_events = true;
      auto names = words(line.substr(7));
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == "Ir") ir_index = i;
      }
      continue;
    }
    if (line.rfind("summary:", 0) == 0) {
      if (!have_events) return fail("a summary line before the events line");
      if (!ir_index) return fail("its events do not include Ir (instructions)");
      auto values = words(line.substr(8));
      if (*ir_index >= values.size()) return fail("the summary line has no Ir value");
      std::string_view value = values[*ir_index];
      std::uint64_t n = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        return fail(fmt::format("the summary's Ir `{}` is not a count", value));
      }
      return n;
    }
  }
  return fail(have_events ? "no summary line" : "no events line");
}

} // namespace hb::measure
