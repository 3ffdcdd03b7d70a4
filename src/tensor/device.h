// Where a tensor's memory lives. One GPU per process: a device is CPU or CUDA.
#pragma once

namespace kdup {

enum class Device { cpu, cuda };

inline const char* device_name(Device d) { return d == Device::cpu ? "cpu" : "cuda"; }

// True when this build has the CUDA backend and a GPU with a working driver is present.
bool cuda_available();

}  // namespace kdup
