#include "data/npy.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string_view>

#include "io/atomic_file.h"
#include "io/declared_size.h"

namespace kdup {

namespace {

DType dtype_from_descr(const std::string& descr, const std::string& path) {
  if (descr == "|u1" || descr == "<u1") return DType::u8;
  if (descr == "<i8") return DType::i64;
  if (descr == "<f4") return DType::f32;
  if (descr == "<f8") return DType::f64;
  KDUP_CHECK(false, path << ": unsupported .npy dtype '" << descr
                         << "' (expected |u1, <i8, <f4 or <f8)");
  return DType::u8;
}

const char* descr_of(DType dtype) {
  switch (dtype) {
    case DType::u8: return "|u1";
    case DType::i64: return "<i8";
    case DType::f32: return "<f4";
    case DType::f64: return "<f8";
  }
  return "";
}

// The header is a Python dict literal: {'descr': '<i8', 'fortran_order': False, 'shape': (3, 4), }
// Returns the text after "'key':" (spaces skipped).
std::string_view field_value(std::string_view header, const std::string& key,
                             const std::string& path) {
  const std::string quoted = "'" + key + "'";
  size_t at = header.find(quoted);
  KDUP_CHECK(at != std::string_view::npos, path << ": .npy header has no '" << key << "' entry");
  at = header.find_first_not_of(' ', at + quoted.size());
  KDUP_CHECK(at != std::string_view::npos && header[at] == ':',
             path << ": .npy header has no value for '" << key << "'");
  at = header.find_first_not_of(' ', at + 1);
  return at == std::string_view::npos ? std::string_view() : header.substr(at);
}

// The text between `open` and the next `close` at the start of `value`.
std::string_view enclosed(std::string_view value, char open, char close, const std::string& key,
                          const std::string& path) {
  const size_t end = value.empty() || value[0] != open ? std::string_view::npos
                                                       : value.find(close, 1);
  KDUP_CHECK(end != std::string_view::npos, path << ": .npy header has an unreadable '" << key
                                                 << "' entry");
  return value.substr(1, end - 1);
}

// "3, 4" -> {3, 4}; "3," -> {3}; "" -> {} (a 0-d array). Every size is a plain decimal number.
Shape parse_shape(std::string_view tuple, const std::string& path) {
  Shape shape;
  size_t start = 0;
  while (start < tuple.size()) {
    size_t comma = tuple.find(',', start);
    if (comma == std::string_view::npos) comma = tuple.size();
    std::string_view item = tuple.substr(start, comma - start);
    const size_t first = item.find_first_not_of(' '), last = item.find_last_not_of(' ');
    item = first == std::string_view::npos ? std::string_view() : item.substr(first, last - first + 1);
    const bool trailing = comma + 1 >= tuple.size() &&
                          tuple.find_first_not_of(' ', comma + 1) == std::string_view::npos;
    if (item.empty()) {  // only "(3,)"'s trailing comma leaves an empty item
      KDUP_CHECK(trailing && !shape.empty(), path << ": .npy header has an unreadable shape ("
                                                  << tuple << ")");
      break;
    }
    KDUP_CHECK(item[0] != '-', path << ": .npy shape (" << tuple << ") has a negative dimension");
    KDUP_CHECK(item.size() <= 18 && item.find_first_not_of("0123456789") == std::string_view::npos,
               path << ": .npy header has an unreadable shape (" << tuple << ")");
    int64_t size = 0;
    for (char digit : item) size = size * 10 + (digit - '0');
    shape.push_back(size);
    start = comma + 1;
  }
  return shape;
}

struct NpyHeader {
  DType dtype = DType::u8;
  Shape shape;
  uint64_t data_bytes = 0;  // what the file holds after the header
};

// Opens `in` on path and reads the header, leaving the stream at the first data byte.
NpyHeader read_header(std::ifstream& in, const std::string& path) {
  in.open(path, std::ios::binary | std::ios::ate);
  KDUP_CHECK(in, path << ": cannot open .npy file");
  const auto file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  char magic[8];
  in.read(magic, 8);
  KDUP_CHECK(in && std::memcmp(magic, "\x93NUMPY", 6) == 0, path << ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  KDUP_CHECK(major == 1 || major == 2, path << ": unsupported .npy version " << major);
  const int length_bytes = major == 1 ? 2 : 4;
  unsigned char le[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(le), length_bytes);
  KDUP_CHECK(in, path << ": truncated .npy header");
  const uint64_t header_len = le[0] | le[1] << 8 | uint64_t{le[2]} << 16 | uint64_t{le[3]} << 24;
  const uint64_t header_start = 8 + length_bytes;
  KDUP_CHECK(header_len <= file_size - header_start,
             path << ": .npy header length " << header_len << " exceeds the file");
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  KDUP_CHECK(in, path << ": truncated .npy header");

  NpyHeader h;
  h.dtype = dtype_from_descr(std::string(enclosed(field_value(header, "descr", path), '\'', '\'',
                                                  "descr", path)),
                             path);
  KDUP_CHECK(field_value(header, "fortran_order", path).substr(0, 5) == "False",
             path << ": Fortran-ordered .npy arrays are not supported");
  h.shape = parse_shape(enclosed(field_value(header, "shape", path), '(', ')', "shape", path), path);
  h.data_bytes = file_size - header_start - header_len;
  return h;
}

}  // namespace

Tensor read_npy(const std::string& path) {
  std::ifstream in;
  const NpyHeader h = read_header(in, path);
  const auto bytes = static_cast<std::streamsize>(
      declared_tensor_bytes(h.shape, dtype_size(h.dtype), h.data_bytes, path));
  Tensor t = Tensor::empty(h.shape, h.dtype);
  in.read(static_cast<char*>(t.raw_data()), bytes);
  KDUP_CHECK(in.gcount() == bytes, path << ": truncated .npy data: expected " << bytes
                                        << " bytes for shape " << shape_str(h.shape) << ", found "
                                        << in.gcount());
  return t;
}

Tensor read_npy_rows(const std::string& path, const std::vector<int64_t>& rows) {
  std::ifstream in;
  const NpyHeader h = read_header(in, path);
  KDUP_CHECK(!h.shape.empty(), path << ": a 0-d .npy array has no rows");
  declared_tensor_bytes(h.shape, dtype_size(h.dtype), h.data_bytes, path);  // all rows present
  const Shape row_shape(h.shape.begin() + 1, h.shape.end());
  const auto row_bytes = static_cast<std::streamsize>(
      declared_tensor_bytes(row_shape, dtype_size(h.dtype), h.data_bytes, path));
  for (int64_t row : rows)
    KDUP_CHECK(row >= 0 && row < h.shape[0],
               path << ": row " << row << " out of range for shape " << shape_str(h.shape));
  Shape shape = h.shape;
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor t = Tensor::empty(shape, h.dtype);
  const std::streampos data_start = in.tellg();
  char* out = static_cast<char*>(t.raw_data());
  for (size_t r = 0; r < rows.size(); ++r) {
    in.seekg(data_start + static_cast<std::streamoff>(rows[r] * row_bytes));
    in.read(out + static_cast<std::streamoff>(r) * row_bytes, row_bytes);
    KDUP_CHECK(in.gcount() == row_bytes, path << ": truncated .npy data at row " << rows[r]);
  }
  return t;
}

Tensor read_npy(const std::string& path, DType dtype, const Shape& expected) {
  Tensor t = read_npy(path);
  bool shape_ok = t.dim() == static_cast<int64_t>(expected.size());
  for (size_t i = 0; shape_ok && i < expected.size(); ++i)
    shape_ok = expected[i] < 0 || expected[i] == t.shape()[i];
  KDUP_CHECK(t.dtype() == dtype && shape_ok,
             path << ": expected a " << dtype_name(dtype) << " array of shape "
                  << shape_str(expected) << " (-1 = any), found " << dtype_name(t.dtype()) << " "
                  << shape_str(t.shape()));
  return t;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  Tensor t = tensor.to(Device::cpu).contiguous();
  std::string shape = "(";  // a Python tuple: "()", "(3,)", "(3, 4)"
  for (int64_t i = 0; i < t.dim(); ++i) shape += (i ? ", " : "") + std::to_string(t.shape()[i]);
  shape += t.dim() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") + descr_of(t.dtype()) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that magic + length + header + newline is a multiple of 64 bytes.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';

  const uint16_t len = static_cast<uint16_t>(header.size());
  const char prefix[10] = {'\x93',
                           'N',
                           'U',
                           'M',
                           'P',
                           'Y',
                           1,
                           0,
                           static_cast<char>(len & 0xff),
                           static_cast<char>(len >> 8)};
  write_file_atomic(path, {{prefix, 10},
                           {header.data(), header.size()},
                           {t.raw_data(), t.numel() * dtype_size(t.dtype())}});
}

}  // namespace kdup
