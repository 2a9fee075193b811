// Pcap and pcapng files read into byte vectors (libpcap).
#pragma once

#include <pcap/pcap.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "tests/packet/frames.h"

namespace vfpath::test {

// Every packet of a pcap or pcapng file (captured bytes only).
inline std::vector<Bytes> read_pcap(const std::string& path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (!p) throw std::runtime_error(path + ": " + err);
  std::vector<Bytes> out;
  pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(p, &h, &data) == 1) out.emplace_back(data, data + h->caplen);
  pcap_close(p);
  return out;
}

}  // namespace vfpath::test
