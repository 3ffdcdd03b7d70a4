// Long-tailed subsets: the exponential profile of Cui et al. (2019) used by SDCLR/COLT
// (n_i = floor(n_max * (1/ratio)^(i/(C-1)))), or the published split index files.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kdup {

// Per-class counts from the head (n_max) down to n_max / imbalance_ratio.
std::vector<int64_t> long_tail_counts(int64_t n_max, int64_t num_classes, double imbalance_ratio);

// Picks a long-tailed subset of `pool` (indices into a labelled set): a seeded class order decides
// which class gets which count, and a seeded shuffle which samples of a class are kept. Returns
// sorted indices. A class with fewer samples than its count is an error.
std::vector<int64_t> make_long_tail_subset(const std::vector<int64_t>& labels,
                                           const std::vector<int64_t>& pool,
                                           int64_t num_classes, int64_t n_max,
                                           double imbalance_ratio, uint64_t seed);

// Reads a 1-D int64 .npy split file and checks every index is below dataset_size (the error names
// the file, the position and the value).
std::vector<int64_t> read_split_indices(const std::string& path, int64_t dataset_size);

// How many samples of each class the index list holds.
std::vector<int64_t> class_counts(const std::vector<int64_t>& labels,
                                  const std::vector<int64_t>& indices, int64_t num_classes);

}  // namespace kdup
