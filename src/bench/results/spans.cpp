// Scenario span results derived from the scenario's timeline, as the
// original derives them (docs/compatibility.md "span_results"): each
// span_definitions entry {id, from, to} names two timeline events as
// `source.event` (optionally with a `[occurrence=N | last | data.k=v]`
// selector), and its result is the time between them, or `skipped` with the
// reason. Kept apart from scenario.cpp because it is its own small language.

#include "bench/results/results_detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <vector>

namespace hb::bench::detail {

namespace {

struct Event
{
  std::uint64_t t_ms = 0;
  std::string source;
  std::string event;
  Json data = Json::object();
};

struct Filter
{
  std::vector<std::string> path;
  Json value;
};

struct Selector
{
  std::string key;
  std::vector<Filter> filters;
  std::size_t nth = 0; // 0: any occurrence
  bool last = false;
};

/// `text` without leading and trailing white space.
std::string
trim(std::string_view text)
{
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, end - first + 1));
}

/// A non-negative number as whole milliseconds (floats rounded), else nullopt.
std::optional<std::uint64_t>
millis(const Json& value)
{
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  }
  if (value.is_number_float()) {
    double v = value.get<double>();
    if (std::isfinite(v) && v >= 0 && v < 1.8e19) return static_cast<std::uint64_t>(std::llround(v));
  }
  return std::nullopt;
}

/// Appends an event and, after it, the events nested in its data.events
/// (their `t` relative to the parent), as the original's reporting timeline reads them.
void
push_event(std::vector<Event>& out, Event event)
{
  std::vector<Event> nested;
  if (const Json* items = event.data.is_object() ? find_value(event.data, "events") : nullptr;
      items && items->is_array()) {
    for (const auto& item : *items) {
      if (!item.is_object()) continue;
      const Json* source = find_value(item, "source");
      const Json* name = find_value(item, "event");
      const Json* t = find_value(item, "t");
      auto offset = t ? millis(*t) : std::nullopt;
      if (!source || !source->is_string() || !name || !name->is_string() || !offset) continue;
      Event child{event.t_ms + *offset, source->get<std::string>(), name->get<std::string>(),
                  Json::object()};
      if (const Json* data = find_value(item, "data"); data && data->is_object()) child.data = *data;
      nested.push_back(std::move(child));
    }
  }
  out.push_back(std::move(event));
  for (auto& child : nested) push_event(out, std::move(child));
}

/// A filter's value: JSON when it parses (`1`, `true`), else the text itself.
Json
selector_value(const std::string& raw)
{
  auto parsed = parse_json(raw, "selector");
  return parsed ? std::move(*parsed) : Json(raw);
}

/// Parses `source.event[terms]`; the error text is the span's skip message.
Result<Selector>
parse_selector(const std::string& raw_text)
{
  const std::string raw = trim(raw_text);
  Selector selector;
  auto open = raw.find('[');
  if (open == std::string::npos) {
    selector.key = raw;
    return selector;
  }
  auto bad = [&](std::string_view why) {
    return make_error("span.selector", fmt::format("invalid span endpoint selector `{}`: {}", raw, why));
  };
  if (raw.back() != ']') return bad("missing closing `]`");
  selector.key = trim(std::string_view(raw).substr(0, open));
  if (selector.key.empty()) return bad("missing event key");
  std::string_view terms = std::string_view(raw).substr(open + 1, raw.size() - open - 2);
  bool occurrence_set = false;
  while (true) {
    auto comma = terms.find(',');
    std::string part = trim(terms.substr(0, comma));
    if (part.empty()) return bad("empty selector term");
    if (part == "last" || part == "occurrence=last" || part.rfind("occurrence=", 0) == 0) {
      if (occurrence_set) return bad("occurrence specified more than once");
      occurrence_set = true;
      if (part == "last" || part == "occurrence=last") {
        selector.last = true;
      } else {
        const std::string number = part.substr(11);
        std::size_t n = 0;
        bool digits = !number.empty()
                      && std::all_of(number.begin(), number.end(),
                                     [](char c) { return c >= '0' && c <= '9'; })
                      && number.size() < 10;
        if (!digits) return bad("occurrence must be a positive integer or `last`");
        n = std::stoul(number);
        if (n == 0) return bad("occurrence must be 1 or greater");
        selector.nth = n;
      }
    } else {
      auto eq = part.find('=');
      if (eq == std::string::npos) {
        return bad("expected `data.FIELD=value`, `occurrence=N`, or `last`");
      }
      std::string path = trim(std::string_view(part).substr(0, eq));
      if (path.rfind("data.", 0) != 0) return bad("field filters must start with `data.`");
      Filter filter;
      std::string_view rest = std::string_view(path).substr(5);
      while (!rest.empty()) {
        auto dot = rest.find('.');
        std::string segment = trim(rest.substr(0, dot));
        if (!segment.empty()) filter.path.push_back(segment);
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
      }
      if (filter.path.empty()) return bad("data field path must be non-empty");
      filter.value = selector_value(trim(std::string_view(part).substr(eq + 1)));
      selector.filters.push_back(std::move(filter));
    }
    if (comma == std::string_view::npos) break;
    terms.remove_prefix(comma + 1);
  }
  return selector;
}

/// Whether `event` is `selector`'s key and passes every data filter.
bool
matches(const Selector& selector, const Event& event)
{
  if (selector.key != event.source + "." + event.event) return false;
  for (const auto& filter : selector.filters) {
    const Json* current = &event.data;
    for (const auto& segment : filter.path) {
      current = current->is_object() ? member(*current, segment) : nullptr;
      if (!current) return false;
    }
    if (*current != filter.value) return false;
  }
  return true;
}

/// The events `selector` picks, in timeline order (one for last / occurrence=N).
std::vector<const Event*>
select(const Selector& selector, const std::vector<Event>& timeline)
{
  std::vector<const Event*> found;
  for (const auto& event : timeline) {
    if (matches(selector, event)) found.push_back(&event);
  }
  if (selector.last) {
    return found.empty() ? found : std::vector<const Event*>{found.back()};
  }
  if (selector.nth) {
    return selector.nth <= found.size() ? std::vector<const Event*>{found[selector.nth - 1]}
                                        : std::vector<const Event*>{};
  }
  return found;
}

/// A skipped span result with the endpoints found, the missing ones and why.
Json
skipped(const Json& base, std::optional<std::uint64_t> from, std::optional<std::uint64_t> to,
        const std::vector<std::string>& missing, const std::string& message)
{
  Json out = base;
  out["status"] = "skipped";
  if (from) out["from_t_ms"] = *from;
  if (to) out["to_t_ms"] = *to;
  if (!missing.empty()) out["missing"] = missing;
  out["message"] = message;
  return out;
}

/// One span's result from the sorted timeline.
Json
summarize(const std::string& id, const std::string& from, const std::string& to,
          const std::vector<Event>& timeline)
{
  Json base = {{"id", id}, {"from", from}, {"to", to}};
  auto from_sel = parse_selector(from);
  if (!from_sel) return skipped(base, {}, {}, {}, from_sel.error().message);
  auto to_sel = parse_selector(to);
  if (!to_sel) return skipped(base, {}, {}, {}, to_sel.error().message);
  auto froms = select(*from_sel, timeline);
  auto tos = select(*to_sel, timeline);
  std::optional<std::uint64_t> from_t, to_t;
  if (!froms.empty()) from_t = froms.front()->t_ms;
  if (!tos.empty()) to_t = tos.front()->t_ms;
  std::vector<std::string> missing;
  if (!from_t) missing.push_back(from);
  if (!to_t) missing.push_back(to);
  if (!missing.empty()) return skipped(base, from_t, to_t, missing, "span endpoint missing from timeline");
  // The shortest pair with the end not before the start.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> best;
  for (const Event* a : froms) {
    for (const Event* b : tos) {
      if (b->t_ms < a->t_ms) continue;
      if (!best || b->t_ms - a->t_ms < best->second - best->first) best = {{a->t_ms, b->t_ms}};
    }
  }
  if (!best) {
    std::string message = id.rfind("phase.", 0) == 0
                            ? fmt::format("phase milestone `{}` occurred at {}ms before previous "
                                          "milestone `{}` at {}ms; phase chain is non-monotonic",
                                          to, *to_t, from, *from_t)
                            : std::string("span end occurred before span start");
    return skipped(base, from_t, to_t, {}, message);
  }
  Json out = base;
  out["status"] = "ok";
  out["duration_ms"] = best->second - best->first;
  out["from_t_ms"] = best->first;
  out["to_t_ms"] = best->second;
  return out;
}

} // namespace

Status
derive_span_results(const std::string& file, Json& scenarios)
{
  for (auto& scenario : scenarios) {
    const Json* definitions = find_value(scenario, "span_definitions");
    if (!definitions || (is_map(*definitions) && definitions->empty())) continue;
    const std::string id = scenario["id"].get<std::string>();
    auto fail = [&](std::string_view key, const std::string& message) {
      return invalid(file, fmt::format("scenario {}: {}", quote(id), message),
                     {{"scenario", id}, {"key", key}});
    };
    if (!definitions->is_array()) {
      return fail("span_definitions",
                  fmt::format("\"span_definitions\" must be an array of {{id, from, to}}, got {}",
                              describe(*definitions)));
    }
    std::vector<std::array<std::string, 3>> spans;
    for (std::size_t i = 0; i < definitions->size(); ++i) {
      const Json& entry = (*definitions)[i];
      std::array<std::string, 3> fields;
      const char* names[] = {"id", "from", "to"};
      for (std::size_t k = 0; k < 3; ++k) {
        const Json* value = entry.is_object() ? member(entry, names[k]) : nullptr;
        if (!value || !value->is_string() || is_blank(value->get_ref<const std::string&>())) {
          return fail("span_definitions",
                      fmt::format("span_definitions[{}].{} must be a non-empty string, got {}", i,
                                  names[k], value ? describe(*value) : "nothing"));
        }
        fields[k] = value->get<std::string>();
      }
      spans.push_back(std::move(fields));
    }
    std::vector<Event> timeline;
    if (const Json* events = find_value(scenario, "timeline")) {
      if (!events->is_array()) {
        return fail("timeline", fmt::format("\"timeline\" must be an array of {{t_ms, source, "
                                            "event, data?}}, got {}",
                                            describe(*events)));
      }
      for (std::size_t i = 0; i < events->size(); ++i) {
        const Json& entry = (*events)[i];
        const Json* t = entry.is_object() ? member(entry, "t_ms") : nullptr;
        const Json* source = entry.is_object() ? member(entry, "source") : nullptr;
        const Json* name = entry.is_object() ? member(entry, "event") : nullptr;
        const Json* data = entry.is_object() ? find_value(entry, "data") : nullptr;
        if (!t || !t->is_number_integer() || !millis(*t) || !source || !source->is_string()
            || !name || !name->is_string() || (data && !is_map(*data))) {
          return fail("timeline",
                      fmt::format("timeline[{}] must be an event {{t_ms: unsigned integer, "
                                  "source: string, event: string, data?: object}}, got {}",
                                  i, describe(entry)));
        }
        push_event(timeline, Event{*millis(*t), source->get<std::string>(),
                                   name->get<std::string>(),
                                   data && data->is_object() ? *data : Json::object()});
      }
    }
    std::stable_sort(timeline.begin(), timeline.end(),
                     [](const Event& a, const Event& b) { return a.t_ms < b.t_ms; });
    Json results = Json::array();
    for (const auto& [span_id, from, to] : spans) {
      results.push_back(summarize(span_id, from, to, timeline));
    }
    scenario["span_results"] = std::move(results);
  }
  return {};
}

} // namespace hb::bench::detail
