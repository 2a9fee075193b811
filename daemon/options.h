// vfpathd's command line (Boost.Program_options). EAL options come after `--`
// and are passed through untouched; the cores are named with our own options
// so that the worker/main split is explicit.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vfpath {

struct DaemonOptions {
  std::string config_path;
  unsigned main_core = 0;
  std::vector<unsigned> worker_cores;  // empty: the main core does the work
  unsigned idle_sleep_max_us = 200;
  unsigned mbufs = 0;                  // 0: sized from ports and workers
  std::string control_socket = "/run/vfpath/vfpathd.sock";  // empty: no gRPC server
  std::string control_tcp;             // host:port; needs TLS unless control_tcp_insecure
  std::string tls_cert, tls_key, tls_client_ca;
  bool control_tcp_insecure = false;
  bool check_config = false;
  std::string ids_cache_dir = "/var/cache/vfpath/ids";  // compiled Hyperscan databases; "" = none
  std::string eve_log = "/var/log/vfpath/eve.json";     // IDS alerts (EVE JSON); "" = none (still streamed)
  unsigned eve_log_max_mb = 64;                         // rotate beyond this
  unsigned eve_log_keep = 5;                            // rotated files kept
  bool metadata = true;  // the instance metadata service (169.254.169.254)
  unsigned ra_interval_max_s = 600;
  std::string xdp_program;       // the XDP object net_af_xdp ports load; "": the built or installed one
  bool xdp_native = false;       // --xdp-mode native: refuse ports where XDP runs in generic mode  // unsolicited router advertisements, every [max/3, max] s; 0 = none
  std::vector<std::string> eal_args;   // after `--`
};

// Returns std::nullopt after printing help (exit 0). Throws
// std::invalid_argument with a message for bad options.
std::optional<DaemonOptions> parse_daemon_options(int argc, char** argv);

// "1,3-4" -> {1, 3, 4}. Throws std::invalid_argument.
std::vector<unsigned> parse_core_list(const std::string& text);

}  // namespace vfpath
