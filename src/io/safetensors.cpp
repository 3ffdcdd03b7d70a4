#include "io/safetensors.h"

#include <cstdio>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "io/declared_size.h"

namespace kdup {

namespace {

const char* safetensors_dtype(DType t) {
  switch (t) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::i64: return "I64";
    case DType::u8: return "U8";
  }
  return "";
}

DType dtype_from_safetensors(const std::string& name, const std::string& path) {
  if (name == "F32") return DType::f32;
  if (name == "F64") return DType::f64;
  if (name == "I64") return DType::i64;
  if (name == "U8") return DType::u8;
  KDUP_CHECK(false, path << ": unsupported safetensors dtype " << name);
  return DType::u8;
}

// A header's list of integers (a shape, a byte range), each an integer literal that fits `max`:
// nlohmann's get<int64_t> on 1e22 or 2.5 would convert out of range or truncate.
std::vector<uint64_t> integer_list(const nlohmann::ordered_json& list, uint64_t max,
                                   const std::string& what) {
  KDUP_CHECK(list.is_array(), what << " is not a list");
  std::vector<uint64_t> values;
  for (const auto& v : list) {
    KDUP_CHECK(v.is_number_integer(), what << " holds " << v.dump() << ", not an integer");
    KDUP_CHECK(v.is_number_unsigned(), what << " holds a negative dimension (" << v.dump() << ")");
    KDUP_CHECK(v.get<uint64_t>() <= max, what << " holds " << v.dump() << ", too large");
    values.push_back(v.get<uint64_t>());
  }
  return values;
}

}  // namespace

const Tensor& SafetensorsFile::at(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  KDUP_CHECK(false, "safetensors: no tensor named '" << name << "' (the file holds "
                                                      << tensors.size() << " tensors)");
  return tensors.front().second;
}

bool SafetensorsFile::contains(const std::string& name) const {
  for (const auto& entry : tensors)
    if (entry.first == name) return true;
  return false;
}

void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> host;
  size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    Tensor h = t.detach().to(Device::cpu).contiguous();
    const size_t bytes = h.numel() * dtype_size(h.dtype());
    header[name] = {{"dtype", safetensors_dtype(h.dtype())},
                    {"shape", h.shape()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    host.push_back(h);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keep the data 8-byte aligned
  uint64_t length = text.size();
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(length >> (8 * i));
  FilePieces pieces = {{le, 8}, {text.data(), text.size()}};
  for (const Tensor& h : host) pieces.emplace_back(h.raw_data(), h.numel() * dtype_size(h.dtype()));
  write_file_atomic(path, pieces);
}

SafetensorsFile read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  KDUP_CHECK(in, path << ": cannot open safetensors file");
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  unsigned char le[8];
  in.read(reinterpret_cast<char*>(le), 8);
  KDUP_CHECK(in, path << ": truncated safetensors file (no header length)");
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | le[i];
  KDUP_CHECK(length <= file_size - 8 && length <= kMaxSafetensorsHeaderBytes,
             path << ": header length " << length << " exceeds the file or the "
                  << kMaxSafetensorsHeaderBytes << "-byte limit");
  std::string text(length, '\0');
  in.read(text.data(), static_cast<std::streamsize>(length));
  KDUP_CHECK(in, path << ": truncated safetensors header");
  nlohmann::ordered_json header;
  try {
    header = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    KDUP_CHECK(false, path << ": unreadable safetensors header: " << e.what());
  }
  KDUP_CHECK(header.is_object(), path << ": the safetensors header is not a JSON object");
  const uint64_t data_start = 8 + length, data_bytes = file_size - data_start;
  SafetensorsFile file;
  for (const auto& [name, entry] : header.items()) {
    try {
      if (name == "__metadata__") {
        for (const auto& [k, v] : entry.items()) file.metadata[k] = v.get<std::string>();
        continue;
      }
      const DType dtype = dtype_from_safetensors(entry.at("dtype").get<std::string>(), path);
      const std::string what = path + ": tensor '" + name + "'";
      Shape shape;
      for (uint64_t size : integer_list(entry.at("shape"), INT64_MAX, what + ": shape"))
        shape.push_back(static_cast<int64_t>(size));
      const auto offsets = integer_list(entry.at("data_offsets"), UINT64_MAX, what + ": data_offsets");
      const uint64_t bytes = declared_tensor_bytes(shape, dtype_size(dtype), data_bytes, what);
      KDUP_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1] && offsets[1] <= data_bytes &&
                     offsets[1] - offsets[0] == bytes,
                 what << " " << shape_str(shape) << " has a bad byte range");
      Tensor t = Tensor::empty(shape, dtype);
      in.seekg(static_cast<std::streamoff>(data_start + offsets[0]));
      in.read(static_cast<char*>(t.raw_data()), static_cast<std::streamsize>(bytes));
      KDUP_CHECK(in, what << ": truncated data");
      file.tensors.emplace_back(name, t);
    } catch (const nlohmann::json::exception& e) {
      KDUP_CHECK(false, path << ": bad header entry '" << name << "': " << e.what());
    }
  }
  return file;
}

}  // namespace kdup
