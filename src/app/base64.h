// Base64 (RFC 4648, with padding), for data: URIs that embed images in a page.
#pragma once
#include <string>

namespace kdup {

std::string base64_encode(const std::string& bytes);

}  // namespace kdup
