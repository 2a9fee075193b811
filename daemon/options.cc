#include "daemon/options.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace po = boost::program_options;

namespace vfpath {

std::vector<unsigned> parse_core_list(const std::string& text) {
  std::vector<unsigned> cores;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    size_t dash = part.find('-');
    try {
      size_t used = 0;
      unsigned lo = std::stoul(part.substr(0, dash), &used);
      if (used != part.substr(0, dash).size()) throw std::invalid_argument("");
      unsigned hi = lo;
      if (dash != std::string::npos) {
        hi = std::stoul(part.substr(dash + 1), &used);
        if (used != part.size() - dash - 1) throw std::invalid_argument("");
      }
      if (hi < lo) throw std::invalid_argument("");
      for (unsigned c = lo; c <= hi; ++c) cores.push_back(c);
    } catch (const std::exception&) {
      throw std::invalid_argument("bad core list \"" + text + "\" (expected e.g. 1 or 1,3-4)");
    }
  }
  if (cores.empty()) throw std::invalid_argument("empty core list");
  // A core listed twice runs two workers on it: oversubscribed, for testing
  // multi-worker behaviour on small machines, never for throughput.
  std::sort(cores.begin(), cores.end());
  return cores;
}

std::optional<DaemonOptions> parse_daemon_options(int argc, char** argv) {
  DaemonOptions o;
  int ours = argc;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--") {
      ours = i;
      for (int j = i + 1; j < argc; ++j) o.eal_args.emplace_back(argv[j]);
      break;
    }

  std::string workers;
  po::options_description desc(
      "vfpathd - the vfpath data plane: moves the traffic of VM interfaces (ENIs) on DPDK ports\n"
      "as the VPC router would (ARP/ND, anti-spoofing, routing between local ENIs).\n\n"
      "Usage: vfpathd --config FILE [options] [-- EAL options]\n\n"
      "Example (two veth pairs, one worker core):\n"
      "  vfpathd --config demo.json --main-core 0 --worker-cores 1 -- --no-huge --in-memory\n\n"
      "Options");
  desc.add_options()
      ("help,h", "show this help and exit")
      ("config,c", po::value(&o.config_path), "configuration file (protobuf JSON of vfpath.config.v1.Config); required")
      ("check-config", po::bool_switch(&o.check_config), "validate the configuration, print every problem, and exit")
      ("main-core", po::value(&o.main_core)->default_value(0), "core for the control thread (and the worker, if no worker cores)")
      ("worker-cores", po::value(&workers), "cores that poll the ports, one worker each, e.g. 1 or 1-3 (a core listed\n"
       "twice runs two workers: for tests); default: none, the main core polls")
      ("idle-sleep-max-us", po::value(&o.idle_sleep_max_us)->default_value(200),
       "longest sleep of an idle worker (exponential back-off from 1 us after 256 empty polls);\n0 = never sleep")
      ("no-metadata", "do not run the instance metadata service (169.254.169.254, [fd00:ec2::254]); its\n"
       "requests are then dropped as metadata_unavailable. It needs CAP_SYS_ADMIN and /dev/net/tun")
      ("ra-interval-max", po::value(&o.ra_interval_max_s)->default_value(600),
       "seconds: unsolicited IPv6 router advertisements to every ENI with IPv6 every [max/3, max]\n"
       "seconds (RFC 4861 MaxRtrAdvInterval, 4..1800); 0 = only in answer to solicitations")
      ("xdp-program", po::value(&o.xdp_program), "the XDP object net_af_xdp ports run (default: vfpath_xdp.bpf.o of\n"
       "the build tree, else of the installation)")
      ("xdp-mode", po::value<std::string>()->default_value("auto"), "native: refuse to start on a net_af_xdp port whose\n"
       "driver can only run XDP in generic (skb) mode; auto: the kernel's choice")
      ("control-socket", po::value(&o.control_socket)->default_value(o.control_socket),
       "Unix socket of the gRPC control API (vfpathctl); \"\" = none")
      ("control-tcp", po::value(&o.control_tcp), "also serve the control API on TCP host:port, with mutual TLS:\n"
       "--tls-cert, --tls-key (the server's) and --tls-client-ca (clients must present a\ncertificate it signed)")
      ("tls-cert", po::value(&o.tls_cert), "server certificate (PEM) for --control-tcp")
      ("tls-key", po::value(&o.tls_key), "server private key (PEM) for --control-tcp")
      ("tls-client-ca", po::value(&o.tls_client_ca), "CA (PEM) that signs the clients allowed on --control-tcp")
      ("control-tcp-insecure", po::bool_switch(&o.control_tcp_insecure),
       "serve --control-tcp in plaintext (anyone who reaches the port controls the appliance)")
      ("ids-cache-dir", po::value(&o.ids_cache_dir)->default_value(o.ids_cache_dir),
       "directory of compiled IDS databases (a restart loads instead of recompiling); \"\" = none")
      ("eve-log", po::value(&o.eve_log)->default_value(o.eve_log),
       "IDS alerts as Suricata EVE JSON lines (also streamed by vfpathctl alerts); \"\" = no file")
      ("eve-log-max-mb", po::value(&o.eve_log_max_mb)->default_value(o.eve_log_max_mb),
       "rotate the EVE log beyond this size (FILE.1 .. FILE.N)")
      ("eve-log-keep", po::value(&o.eve_log_keep)->default_value(o.eve_log_keep), "rotated EVE logs kept")
      ("mbufs", po::value(&o.mbufs)->default_value(0),
       "packet buffers in the pool; 0 = 2048 per port and worker (net_pcap with infinite_rx\nneeds one per packet of its file on top)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(ours, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw std::invalid_argument(e.what());
  }
  o.metadata = vm.count("no-metadata") == 0;
  const std::string xdp_mode = vm["xdp-mode"].as<std::string>();
  if (xdp_mode != "auto" && xdp_mode != "native")
    throw std::invalid_argument("--xdp-mode \"" + xdp_mode + "\" is not native or auto");
  o.xdp_native = xdp_mode == "native";
  if (o.ra_interval_max_s != 0 && (o.ra_interval_max_s < 4 || o.ra_interval_max_s > 1800))
    throw std::invalid_argument("--ra-interval-max " + std::to_string(o.ra_interval_max_s) +
                                " is outside 4..1800 seconds (or 0: none)");
  if (vm.count("help")) {
    std::cout << desc << "\nEAL options after `--` go to DPDK unchanged (e.g. --no-huge --in-memory,\n"
                         "--file-prefix NAME, --log-level). Do not pass -l/--lcores there: use the options above.\n"
                         "Ports are named in the configuration (their DPDK devargs), not on the command line.\n"
                         "Counters: dpdk-telemetry.py -f PREFIX, then /vfpath/stats, /vfpath/drops, /vfpath/ports,\n"
                         "/vfpath/enis; they are also printed when vfpathd stops (SIGINT/SIGTERM/SIGHUP).\n";
    return std::nullopt;
  }
  if (o.config_path.empty()) throw std::invalid_argument("--config is required (see --help)");
  if (!workers.empty()) o.worker_cores = parse_core_list(workers);
  bool any_tls = !o.tls_cert.empty() || !o.tls_key.empty() || !o.tls_client_ca.empty();
  bool all_tls = !o.tls_cert.empty() && !o.tls_key.empty() && !o.tls_client_ca.empty();
  if (!o.control_tcp.empty() && !o.control_tcp_insecure && !all_tls)
    throw std::invalid_argument("--control-tcp needs --tls-cert, --tls-key and --tls-client-ca (mutual TLS), "
                                "or --control-tcp-insecure to serve plaintext");
  if (o.control_tcp_insecure && any_tls)
    throw std::invalid_argument("--control-tcp-insecure and the --tls-* options exclude each other");
  if (o.control_tcp.empty() && (any_tls || o.control_tcp_insecure))
    throw std::invalid_argument("--tls-* and --control-tcp-insecure go with --control-tcp");
  if (std::find(o.worker_cores.begin(), o.worker_cores.end(), o.main_core) != o.worker_cores.end())
    throw std::invalid_argument("--worker-cores must not include --main-core " + std::to_string(o.main_core));
  for (const auto& a : o.eal_args)
    if (a == "-l" || a == "--lcores" || a == "-c" || a == "--main-lcore" ||
        (a.rfind("-l", 0) == 0 && a.size() > 2 && std::isdigit(static_cast<unsigned char>(a[2]))))
      throw std::invalid_argument("EAL option " + a + " conflicts with --main-core/--worker-cores");
  return o;
}

}  // namespace vfpath
