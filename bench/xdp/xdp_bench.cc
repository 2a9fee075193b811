// Per-frame cost of the XDP program, as the kernel measures it
// (bpf_prog_test_run_opts with repeat: the average ns of one run, the test
// harness's own per-run cost included), for the decisions it takes: an
// ENI's frame to the appliance, a blocked source dropped, a SYN over its
// allowance dropped, VXLAN to the underlay checked inside. Beside it, the
// baseline: a program that only redirects (what the PMD's default does).
// Medians of --runs runs of --repeat frames. A benchmark, never a test.
//
// usage: xdp_bench OBJECT [--runs 5] [--repeat 1000000]
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "packet/text_address.h"
#include "tests/packet/frames.h"
#include "xdp/xdp_maps.h"

using namespace vfpath;
using namespace vfpath::test;

namespace {

double median_ns(int prog, const Bytes& frame, int runs, unsigned repeat) {
  std::vector<double> ns;
  for (int r = 0; r < runs; ++r) {
    std::vector<uint8_t> data = frame;
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data.data(), .data_size_in = static_cast<uint32_t>(data.size()),
                .repeat = repeat);
    if (bpf_prog_test_run_opts(prog, &o) != 0) return -1;
    ns.push_back(o.duration);
  }
  std::sort(ns.begin(), ns.end());
  return ns[ns.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: xdp_bench OBJECT [--runs N] [--repeat N]\n");
    return 2;
  }
  int runs = 5;
  unsigned repeat = 1000000;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--runs") runs = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--repeat") repeat = static_cast<unsigned>(std::atoi(argv[i + 1]));
  }
  bpf_object* obj = bpf_object__open_file(argv[1], nullptr);
  if (!obj) {
    std::fprintf(stderr, "xdp_bench: cannot open %s\n", argv[1]);
    return 1;
  }
  if (bpf_object__load(obj) != 0) {
    std::fprintf(stderr, "xdp_bench: the kernel refuses to load %s\n", argv[1]);
    return 77;
  }
  const int prog = bpf_program__fd(bpf_object__find_program_by_name(obj, "vfpath_xdp"));
  xdp::XdpPort port = xdp::XdpPort::from_program_fd(prog, "bench");
  const std::string vm = "02:00:00:00:01:0a", us = "02:76:66:70:00:01";
  auto frame = [&](const char* src, uint8_t flags) {
    return eth(kRouterMac, vm, 0x0800, ipv4(src, "10.0.2.10", 6, tcp(1000, 80, flags)));
  };
  xdp::PortProgram eni;
  eni.role = VFP_XDP_ROLE_ENI;
  eni.enis = {xdp::EniMatch{*parse_mac(vm), 0, 1, 1, 1}};
  for (int i = 0; i < 1000; ++i)  // a block list of a thousand prefixes
    eni.blocked4.push_back(Ipv4Prefix{Ipv4Addr::from_host(0xcb000000u + (uint32_t(i) << 8)), 24});
  port.apply(eni);
  std::printf("| frame | ns per frame (median of %d x %u) |\n|---|---|\n", runs, repeat);
  std::printf("| unconfigured: redirect only (the PMD default's work) | %.1f |\n", [&] {
    xdp::PortProgram none;
    port.apply(none);
    const double v = median_ns(prog, frame("10.0.1.10", 0x10), runs, repeat);
    port.apply(eni);
    return v;
  }());
  std::printf("| ENI's frame to the appliance (MAC lookup, LPM miss) | %.1f |\n",
              median_ns(prog, frame("10.0.1.10", 0x10), runs, repeat));
  std::printf("| blocked source dropped (LPM hit, counted twice) | %.1f |\n",
              median_ns(prog, frame("203.0.5.7", 0x10), runs, repeat));
  std::printf("| SYN over the allowance dropped (bucket under a spin lock) | %.1f |\n",
              median_ns(prog, frame("10.0.1.10", 0x02), runs, repeat));
  xdp::PortProgram up;
  up.role = VFP_XDP_ROLE_UPLINK;
  up.underlay_v4 = *parse_ipv4("192.168.100.1");
  up.vxlan_port = 4789;
  up.blocked4 = eni.blocked4;
  port.apply(up);
  Bytes inner = eth(us, "02:00:00:00:02:0a", 0x0800, ipv4("10.0.2.10", "10.0.1.10", 17, udp(1, 2)));
  Bytes v = {0x08, 0, 0, 0, 0, 0, 100, 0};
  append(v, inner);
  std::printf("| VXLAN to the underlay address (outer and inner LPM) | %.1f |\n",
              median_ns(prog, eth(us, "02:00:00:00:aa:02", 0x0800,
                                  ipv4("192.168.100.2", "192.168.100.1", 17, udp(40000, 4789, v))), runs, repeat));
  bpf_object__close(obj);
  return 0;
}
