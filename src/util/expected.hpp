#pragma once
// A minimal expected<T, E>: the subset of tl::expected that homeboy uses.
// Debian 12 packages neither tl-expected nor a C++23 <expected> that clang 14
// can compile, so we keep this small one (see ARCHITECTURE.md).

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace hb {

template <class E>
class Unexpected
{
public:
  explicit Unexpected(E error) : m_error(std::move(error)) {}
  E& error() & { return m_error; }
  E&& error() && { return std::move(m_error); }
  const E& error() const& { return m_error; }

private:
  E m_error;
};

template <class T, class E>
class [[nodiscard]] Expected
{
public:
  Expected() requires std::is_default_constructible_v<T> : m_value(std::in_place_index<0>) {}
  Expected(T value) : m_value(std::in_place_index<0>, std::move(value)) {}
  template <class U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T>
             && !std::is_same_v<std::decay_t<U>, Unexpected<E>>
             && !std::is_same_v<std::decay_t<U>, Expected>)
  Expected(U&& value) : m_value(std::in_place_index<0>, std::forward<U>(value))
  {
  }
  template <class G>
  Expected(Unexpected<G> error) : m_value(std::in_place_index<1>, std::move(error).error())
  {
  }

  bool has_value() const { return m_value.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(m_value); }
  const T& value() const& { assert(has_value()); return std::get<0>(m_value); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(m_value)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  E& error() & { assert(!has_value()); return std::get<1>(m_value); }
  const E& error() const& { assert(!has_value()); return std::get<1>(m_value); }
  E&& error() && { assert(!has_value()); return std::get<1>(std::move(m_value)); }

  template <class U>
  T value_or(U&& fallback) const&
  {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

private:
  std::variant<T, E> m_value;
};

template <class E>
class [[nodiscard]] Expected<void, E>
{
public:
  Expected() = default;
  template <class G>
  Expected(Unexpected<G> error) : m_error(std::move(error).error())
  {
  }

  bool has_value() const { return !m_error.has_value(); }
  explicit operator bool() const { return has_value(); }
  void value() const { assert(has_value()); }

  E& error() & { return *m_error; }
  const E& error() const& { return *m_error; }
  E&& error() && { return std::move(*m_error); }

private:
  std::optional<E> m_error;
};

} // namespace hb
