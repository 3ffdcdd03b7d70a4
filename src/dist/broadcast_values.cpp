#include "dist/broadcast_values.h"

namespace kdup {

namespace {

// A vector of int64 from root, its length first.
std::vector<int64_t> broadcast_integers(Communicator& communicator, std::vector<int64_t> values,
                                        int root) {
  Tensor length =
      Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, {1});
  communicator.broadcast(length, root);
  const int64_t n = length.to_vector<int64_t>()[0];
  if (n == 0) return {};
  Tensor data = communicator.rank() == root ? Tensor::from_vector<int64_t>(values, {n})
                                            : Tensor::empty({n}, DType::i64);
  communicator.broadcast(data, root);
  return data.to_vector<int64_t>();
}

}  // namespace

std::string broadcast_string(Communicator& communicator, const std::string& value, int root) {
  if (communicator.size() == 1) return value;
  const std::vector<int64_t> codes =
      broadcast_integers(communicator, std::vector<int64_t>(value.begin(), value.end()), root);
  return std::string(codes.begin(), codes.end());
}

void broadcast_named_tensors(Communicator& communicator,
                             std::vector<std::pair<std::string, Tensor>>& tensors, int root) {
  if (communicator.size() == 1) return;
  // The header: per tensor, its name's length and characters, its dtype, rank and sizes.
  std::vector<int64_t> header;
  if (communicator.rank() == root)
    for (const auto& [name, t] : tensors) {
      KDUP_CHECK(t.defined(), "broadcast_named_tensors: " << name << " is undefined");
      header.push_back(static_cast<int64_t>(name.size()));
      header.insert(header.end(), name.begin(), name.end());
      header.push_back(static_cast<int64_t>(t.dtype()));
      header.push_back(t.dim());
      for (int64_t size : t.shape()) header.push_back(size);
    }
  header = broadcast_integers(communicator, header, root);
  std::vector<std::pair<std::string, Tensor>> received;
  for (size_t at = 0, index = 0; at < header.size(); ++index) {
    const auto name_length = static_cast<size_t>(header[at++]);
    std::string name(header.begin() + static_cast<std::ptrdiff_t>(at),
                     header.begin() + static_cast<std::ptrdiff_t>(at + name_length));
    at += name_length;
    const auto dtype = static_cast<DType>(header[at++]);
    Shape shape(static_cast<size_t>(header[at++]));
    for (int64_t& size : shape) size = header[at++];
    Tensor t = communicator.rank() == root ? tensors[index].second.to(Device::cpu).contiguous()
                                           : Tensor::empty(shape, dtype);
    communicator.broadcast(t, root);
    received.emplace_back(std::move(name), t);
  }
  tensors = std::move(received);
}

}  // namespace kdup
