// A minimal reader for classic little-endian pcap files (micro- or
// nanosecond timestamps), turning each record into an Ethernet frame for the
// parser: Ethernet as is; Linux cooked (SLL), raw IP (101) and raw IPv4 (228)
// get a synthetic Ethernet header. Test-only; throws nothing, returns an
// empty list on any format error (the test then fails on the count).
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace vfpath::ct::test {

struct PcapPacket {
  uint64_t time_ns;
  std::vector<uint8_t> frame;  // Ethernet
};

inline std::vector<PcapPacket> read_pcap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<PcapPacket> out;
  auto u32 = [&](size_t o) { uint32_t v; std::memcpy(&v, &b[o], 4); return v; };
  if (b.size() < 24) return {};
  uint32_t magic = u32(0);
  bool nano = magic == 0xa1b23c4d;
  if (!nano && magic != 0xa1b2c3d4) return {};
  uint32_t link = u32(20);
  for (size_t o = 24; o + 16 <= b.size();) {
    uint64_t sec = u32(o), frac = u32(o + 4);
    uint32_t incl = u32(o + 8);
    o += 16;
    if (o + incl > b.size()) return {};
    const uint8_t* p = &b[o];
    std::vector<uint8_t> eth(12, 0);  // zero MACs: conntrack does not look at them
    switch (link) {
      case 1: eth.assign(p, p + incl); break;
      case 113:  // Linux cooked: protocol at 14, payload at 16
        if (incl < 16) return {};
        eth.push_back(p[14]); eth.push_back(p[15]);
        eth.insert(eth.end(), p + 16, p + incl);
        break;
      case 101: case 228:
        if (incl < 1) return {};
        eth.push_back((p[0] >> 4) == 6 ? 0x86 : 0x08); eth.push_back((p[0] >> 4) == 6 ? 0xdd : 0x00);
        eth.insert(eth.end(), p, p + incl);
        break;
      default: return {};
    }
    out.push_back({sec * 1000000000ull + frac * (nano ? 1 : 1000), std::move(eth)});
    o += incl;
  }
  return out;
}

}  // namespace vfpath::ct::test
