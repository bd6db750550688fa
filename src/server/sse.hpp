#pragma once
// Server-Sent Events of the store's run events (docs/daemon.md): one run's
// events (/api/v1/runs/{id}/events, the event id is its seq) or every run's
// (/api/v1/events, the id is `<at ms>.<seq>.<run id>`, the order of the
// store's events_after). A client that reconnects with Last-Event-ID gets
// everything after that id. Knows nothing of HTTP: http_server.cpp feeds a
// stream's chunks to the socket.

#include "server/api.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace hb::server {

struct SseStream
{
  /// Fills `chunk` with the next events (waiting up to a fraction of a
  /// second for some; a keep-alive comment now and then); false when the
  /// stream ends (its run settled, or the daemon stops). Called from the
  /// stream's own thread only.
  std::function<bool(std::string& chunk)> provider;
  /// Called once when the connection is done (frees the stream's slot).
  std::function<void()> release;
  /// When there is no provider: the error response to send instead.
  ApiResponse refusal;
};

/// Opens streams, at most `max_streams` at once (more get 503, so streams
/// cannot take every request thread), and closes them all on stop.
class SseHub
{
public:
  /// Starts the hub's one watcher of the registry's wake file.
  SseHub(const ApiContext& context, int max_streams);
  /// Stops the watcher; every stream must have ended.
  ~SseHub();
  SseHub(const SseHub&) = delete;
  SseHub& operator=(const SseHub&) = delete;
  /// A stream for `request` (route /api/v1/events or /api/v1/runs/{id}/events),
  /// resuming after `last_event_id` (empty: the run's first event; for every
  /// run, events from now on).
  SseStream open(const ApiRequest& request, const std::string& last_event_id);
  /// Ends every open stream at its next chunk; new ones are refused.
  void close_all();
  int open_streams() const { return m_open.load(); }
  /// How many store changes the watcher has seen; read before reading the
  /// store, then pass to wait_for_change so no change is missed between.
  std::uint64_t changes();
  /// Waits until a change after `seen`, close_all(), or `timeout_ms`.
  void wait_for_change(std::uint64_t seen, int timeout_ms);

private:
  void watch();

  const ApiContext& m_context;
  int m_max;
  std::atomic<int> m_open{0};
  std::atomic<bool> m_closing{false};
  // One inotify watcher for every stream (a process may hold only 128
  // inotify instances by default): it counts wakes and wakes the waiters.
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::uint64_t m_changes = 0;
  std::atomic<bool> m_stop{false};
  std::thread m_watcher;
};

} // namespace hb::server
