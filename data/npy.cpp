#include "data/npy.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>

#include "io/atomic_file.h"

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
std::string header_field(const std::string& header, const std::string& key,
                         const std::string& value_pattern, const std::string& path) {
  std::smatch match;
  std::regex re("'" + key + "'\\s*:\\s*" + value_pattern);
  KDUP_CHECK(std::regex_search(header, match, re),
             path << ": .npy header has no readable '" << key << "' entry");
  return match[1];
}

struct NpyHeader {
  DType dtype = DType::u8;
  Shape shape;
};

// Opens `in` on path and reads the header, leaving the stream at the first data byte.
NpyHeader read_header(std::ifstream& in, const std::string& path) {
  in.open(path, std::ios::binary);
  KDUP_CHECK(in, path << ": cannot open .npy file");
  char magic[8];
  in.read(magic, 8);
  KDUP_CHECK(in && std::memcmp(magic, "\x93NUMPY", 6) == 0, path << ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  KDUP_CHECK(major == 1 || major == 2, path << ": unsupported .npy version " << major);
  uint32_t header_len = 0;
  unsigned char len_bytes[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(len_bytes), major == 1 ? 2 : 4);
  for (int i = (major == 1 ? 1 : 3); i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  KDUP_CHECK(in, path << ": truncated .npy header");

  NpyHeader h;
  h.dtype = dtype_from_descr(header_field(header, "descr", "'([^']*)'", path), path);
  KDUP_CHECK(header_field(header, "fortran_order", "(True|False)", path) == "False",
             path << ": Fortran-ordered .npy arrays are not supported");
  std::string dims = header_field(header, "shape", "\\(([^)]*)\\)", path);
  std::regex number("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number); it != std::sregex_iterator();
       ++it)
    h.shape.push_back(std::stoll(it->str()));
  return h;
}

}  // namespace

Tensor read_npy(const std::string& path) {
  std::ifstream in;
  const NpyHeader h = read_header(in, path);
  Tensor t = Tensor::empty(h.shape, h.dtype);
  const std::streamsize bytes = static_cast<std::streamsize>(t.numel() * dtype_size(h.dtype));
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
  Shape shape = h.shape;
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor t = Tensor::empty(shape, h.dtype);
  const std::streamsize row_bytes =
      static_cast<std::streamsize>(t.numel() / std::max<int64_t>(shape[0], 1) * dtype_size(h.dtype));
  const std::streampos data_start = in.tellg();
  char* out = static_cast<char*>(t.raw_data());
  for (size_t r = 0; r < rows.size(); ++r) {
    KDUP_CHECK(rows[r] >= 0 && rows[r] < h.shape[0],
               path << ": row " << rows[r] << " out of range for shape " << shape_str(h.shape));
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
