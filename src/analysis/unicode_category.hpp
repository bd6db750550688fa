#pragma once
// Unicode General Categories, for I-Regexp's \p{..} and \P{..} (RFC 9485).
// std::regex knows no Unicode properties, so homeboy carries the table.

#include <cstdint>
#include <optional>
#include <string_view>

namespace hb::analysis {

/// One bit per General Category, so a class such as \p{L} is a mask.
enum class UnicodeCategory : std::uint8_t
{
  Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe,
  Pi, Pf, Po, Sm, Sc, Sk, So, Zs, Zl, Zp, Cc, Cf, Cs, Co, Cn,
};

using CategoryMask = std::uint32_t;

constexpr CategoryMask
category_bit(UnicodeCategory category)
{
  return CategoryMask{1} << static_cast<unsigned>(category);
}

/// The General Category of a code point (Unicode 14.0.0); Cn beyond U+10FFFF.
UnicodeCategory unicode_category(char32_t code_point);

/// The categories an I-Regexp category name stands for: "Lu" is one, "L" is
/// Lu, Ll, Lt, Lm and Lo. Nothing for names RFC 9485 does not list.
std::optional<CategoryMask> category_mask(std::string_view name);

} // namespace hb::analysis
