// EAL start-up for the acl tools, tests and benchmarks (not for the
// appliance, which owns its EAL): no hugepages, no PCI, no shared config
// files, one lcore, a per-process --file-prefix so parallel test processes
// never collide, and
// --force-max-simd-bitwidth=512 so every rte_acl method (AVX512 included)
// can be measured.
#pragma once

#include "acl/result.h"

namespace acl::tools {

// Why --no-shconf and not --in-memory: in DPDK 22.11 --no-huge implies
// legacy memory mode, which EAL refuses together with --in-memory ("Option
// --legacy-mem is not compatible with --in-memory"); --no-shconf gives the
// same "no files in /var/run" effect.
// memory_mb: EAL memory (-m), all of it reserved up front by --no-huge; rte_acl tries for 100K rules need hundreds of
// MB. Call once per process; further calls return Ok without effect.
// hugepages: use 2 MB hugepages (reserved beforehand in
// /proc/sys/vm/nr_hugepages) with --in-memory, so no hugepage files are left
// behind; for benchmarks of large tries, where 4 KiB pages cost TLB misses.
Status init_eal(unsigned memory_mb, bool hugepages = false);

}  // namespace acl::tools
