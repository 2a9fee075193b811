// libFuzzer target: any byte string as a frame through the parser alone. The
// frame is an exactly sized allocation, so a read past it is an ASan crash;
// what the parser vouches for (offsets, lengths) is checked against it.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "packet/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 9216) return 0;
  std::vector<uint8_t> frame(data, data + size);
  vfpath::PacketMeta m;
  if (vfpath::parse_frame(frame.data(), static_cast<uint32_t>(frame.size()), m) != vfpath::DropReason::kNone) return 0;
  // A parsed frame's offsets lie inside it, in order.
  if (m.l3_offset > size || m.l4_offset > size || (m.l4_offset && m.l4_offset < m.l3_offset)) std::abort();
  return 0;
}
