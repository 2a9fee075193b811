#include "daemon/startup.h"
#include "daemon/xdp_programs.h"

#include <pthread.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dataplane/fragment_hold.h"
#include "dataplane/snapshot.h"

namespace vfpath::daemon {
namespace {

std::vector<std::string> eal_argv(const DaemonOptions& o) {
  std::string cores = "0@" + std::to_string(o.main_core);
  for (size_t w = 0; w < o.worker_cores.size(); ++w)
    cores += "," + std::to_string(w + 1) + "@" + std::to_string(o.worker_cores[w]);
  std::vector<std::string> a = {"vfpathd", "--lcores", cores, "--main-lcore", "0"};
  a.insert(a.end(), o.eal_args.begin(), o.eal_args.end());
  return a;
}

// A PEM file's text; "" for no path. Throws with the path if unreadable.
std::string read_file(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Runs `start` with this thread's affinity set to `cpus` (threads it creates
// inherit it), then restores this thread's.
template <class F>
auto with_affinity(const cpu_set_t& cpus, F start) {
  cpu_set_t mine;
  pthread_getaffinity_np(pthread_self(), sizeof mine, &mine);
  if (CPU_COUNT(&cpus) > 0) pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);
  struct Restore {
    cpu_set_t& set;
    ~Restore() { pthread_setaffinity_np(pthread_self(), sizeof set, &set); }
  } restore{mine};
  return start();
}

}  // namespace

EalSession::EalSession(const DaemonOptions& o) {
  std::vector<std::string> args = eal_argv(o);
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0)
    throw StartupError(std::string("EAL initialisation failed: ") + rte_strerror(rte_errno));
}

EalSession::~EalSession() { rte_eal_cleanup(); }

rte_mempool* create_mbuf_pool(const DaemonOptions& o, unsigned ports, unsigned workers) {
  // Per port and worker: rx ring + tx ring + a burst in flight; plus the
  // per-core caches and each worker's hold of early fragments.
  const unsigned size = o.mbufs ? o.mbufs : 2048 * ports * workers + 1024 * (workers + 1) + kHoldCapacity * workers;
  rte_mempool* pool = rte_pktmbuf_pool_create("vfpath_mbufs", size, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id()));
  if (!pool) throw StartupError(std::string("cannot create the mbuf pool: ") + rte_strerror(rte_errno));
  return pool;
}

StartedPorts::StartedPorts(const config::v1::Config& config, unsigned workers, rte_mempool* pool,
                           const std::string& xdp_object) {
  try {
    for (const auto& p : config.ports()) {
      const uint16_t id = probe_port(p.name(), with_xdp_program(p.devargs(), xdp_object));
      if (id >= kMaxPorts)  // counters and tx queues are sized for kMaxPorts ids
        throw PortError("port " + p.name() + ": DPDK port id " + std::to_string(id) + " is beyond the " +
                        std::to_string(kMaxPorts) + " ports vfpathd supports");
      ids_[p.name()] = id;
    }
    for (const auto& p : config.ports())
      setups_.push_back(start_port(p.name(), ids_[p.name()], static_cast<uint16_t>(workers), pool,
                                   config.underlay().port() == p.name() &&
                                       config.underlay().udp_checksum() == config::v1::Underlay::OFFLOAD));
  } catch (const PortError& e) {
    stop_all();  // the destructor does not run for a constructor that throws
    throw StartupError(e.what());
  }
}

StartedPorts::~StartedPorts() { stop_all(); }

void StartedPorts::stop_all() {
  for (const PortSetup& s : setups_) stop_port(s.port_id);
  setups_.clear();
}

ControlEndpoint::ControlEndpoint(control::ControlService& service, const DaemonOptions& o, const cpu_set_t& cpus)
    : options_(o) {
  if (o.control_socket.empty() && o.control_tcp.empty()) return;
  const auto dir = o.control_socket.substr(0, o.control_socket.rfind('/'));
  if (!dir.empty()) ::mkdir(dir.c_str(), 0750);
  try {
    control::ControlListeners where{o.control_socket, o.control_tcp, read_file(o.tls_cert), read_file(o.tls_key),
                                    read_file(o.tls_client_ca)};
    server_ = with_affinity(cpus, [&] { return control::start_control_server(service, where); });
  } catch (const std::exception& e) {
    throw StartupError(std::string("control API: ") + e.what());
  }
}

ControlEndpoint::~ControlEndpoint() { shutdown(); }

void ControlEndpoint::shutdown() {
  // A deadline: a client that stopped reading (vfpathctl alerts -f | less)
  // must not hold the daemon's stop.
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_.reset();
}

std::string ControlEndpoint::describe() const {
  const DaemonOptions& o = options_;
  if (o.control_socket.empty() && o.control_tcp.empty()) return "off";
  std::string s = o.control_socket.empty() ? "" : "unix:" + o.control_socket;
  if (!o.control_tcp.empty())
    s += " tcp:" + o.control_tcp + (o.control_tcp_insecure ? " (plaintext)" : " (mutual TLS)");
  return s;
}

cpu_set_t control_cpus(const DaemonOptions& o, const cpu_set_t& allowed) {
  cpu_set_t set = allowed;
  if (o.worker_cores.empty()) CPU_CLR(o.main_core, &set);
  for (unsigned c : o.worker_cores) CPU_CLR(c, &set);
  return set;
}

bool try_make_directories(const std::string& path) {
  if (path.empty()) return true;
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) std::fprintf(stderr, "vfpathd: cannot create %s: %s\n", path.c_str(), ec.message().c_str());
  return !ec;
}

}  // namespace vfpath::daemon
