// Text helpers for the HTML report: escaping and fixed-point numbers.
#pragma once
#include <string>

namespace kdup {

// &, <, >, " and ' as character references.
std::string html_escape(const std::string& text);

// v with `digits` decimals ("12.35").
std::string fixed_number(double v, int digits = 2);

}  // namespace kdup
