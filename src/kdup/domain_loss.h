// Losses that contrast the two domains of a merged ID + OOD batch: KDUP's domain discrimination
// loss L_DD (paper Eq. 9) and COLT's domain loss (SupCon with domain labels as classes).
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// z: [N, d] rows of the batch (both views of every sample, L2-normalised here); domain: uint8 or
// int64 [N], 0 = in-distribution, 1 = out-of-distribution. For row i, S_i^s = the other rows of i's
// domain and S_i^d = the rows of the other domain (Eq. 9):
//   L_DD = -(1/|Z^B|) sum_i (1/|S_i^s|) sum_{p in S_i^s}
//            log( e^{z_i.z_p/tau} / (e^{z_i.z_p/tau} + sum_{n in S_i^d} e^{z_i.z_n/tau}) ).
// Rows with an empty S_i^s (the only row of their domain) are left out, and |Z^B| counts the rows
// that remain. A batch of one domain (or with no row left) gives exactly zero, still connected to
// z so that backward() works and yields zero gradients.
Tensor domain_discrimination_loss(const Tensor& z, const Tensor& domain, double temperature);

// Supervised contrastive loss (Khosla et al. 2020, the L_out form, no base-temperature scaling):
// z [N, d] (normalised here), labels uint8 or int64 [N]. With P(i) = the other rows of i's label,
// A(i) = every row except i, and I = the rows with a non-empty P(i),
//   L = (1/|I|) sum_{i in I} -(1/|P(i)|) sum_{p in P(i)}
//         log( e^{z_i.z_p/tau} / sum_{a in A(i)} e^{z_i.z_a/tau} ).
// Zero (connected to z) when no row has a positive.
Tensor supcon_loss(const Tensor& z, const Tensor& labels, double temperature);

// COLT's domain loss: supcon_loss with the domains (0 = ID, 1 = OOD) as labels, added by COLT only
// when the batch holds OOD rows; a batch of one domain gives exactly zero (connected to z).
Tensor colt_domain_loss(const Tensor& z, const Tensor& domain, double temperature);

// The same three with the labels as host values (a trainer knows them on the host: no read of a
// device tensor). The overloads above read their label tensor and call these.
Tensor domain_discrimination_loss(const Tensor& z, const std::vector<int64_t>& domain,
                                  double temperature);
Tensor supcon_loss(const Tensor& z, const std::vector<int64_t>& labels, double temperature);
Tensor colt_domain_loss(const Tensor& z, const std::vector<int64_t>& domain, double temperature);

}  // namespace kdup
