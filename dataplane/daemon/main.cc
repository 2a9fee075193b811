// vfpathd: reads and validates the configuration, brings up EAL and the
// ports, publishes the first snapshot and runs one Worker per worker core
// until SIGINT/SIGTERM, then prints the counters and closes the ports (which
// flushes pcap outputs). Exit codes: 0 clean stop, 1 start-up failure,
// 2 bad command line or configuration.
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <atomic>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "control/compile.h"
#include "control/config_file.h"
#include "control/config_store.h"
#include "control/grpc_service.h"
#include "dataplane/counters.h"
#include "dataplane/daemon/options.h"
#include "dataplane/ports.h"
#include "dataplane/snapshot_publisher.h"
#include "dataplane/telemetry.h"
#include "dataplane/worker.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

int launch_worker(void* arg) {
  static_cast<vfpath::Worker*>(arg)->run(g_stop);
  return 0;
}

// The CPUs the process may use minus those that poll: where control threads
// (gRPC) belong, so they never take a polling core's time (and never make a
// worker wait for the thread that waits for it). Empty if nothing is left.
cpu_set_t control_cpus(const vfpath::DaemonOptions& o, const cpu_set_t& allowed) {
  cpu_set_t set = allowed;
  if (o.worker_cores.empty()) CPU_CLR(o.main_core, &set);
  for (unsigned c : o.worker_cores) CPU_CLR(c, &set);
  return set;
}

// Starts the control server with its threads on `cpus` (they inherit the
// affinity of the thread that creates them), then restores this thread's.
std::unique_ptr<grpc::Server> start_control_on(vfpath::control::ControlService& service,
                                               const vfpath::control::ControlListeners& where, const cpu_set_t& cpus) {
  cpu_set_t mine;
  pthread_getaffinity_np(pthread_self(), sizeof mine, &mine);
  if (CPU_COUNT(&cpus) > 0) pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);
  std::unique_ptr<grpc::Server> server;
  try {
    server = vfpath::control::start_control_server(service, where);
  } catch (...) {
    pthread_setaffinity_np(pthread_self(), sizeof mine, &mine);
    throw;
  }
  pthread_setaffinity_np(pthread_self(), sizeof mine, &mine);
  return server;
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

std::vector<std::string> eal_argv(const vfpath::DaemonOptions& o) {
  // lcore 0 is the main core, lcore w + 1 worker w, each pinned to its CPU.
  std::string cores = "0@" + std::to_string(o.main_core);
  for (size_t w = 0; w < o.worker_cores.size(); ++w) cores += "," + std::to_string(w + 1) + "@" + std::to_string(o.worker_cores[w]);
  std::vector<std::string> a = {"vfpathd", "--lcores", cores, "--main-lcore", "0"};
  a.insert(a.end(), o.eal_args.begin(), o.eal_args.end());
  return a;
}

int run(const vfpath::DaemonOptions& o, const vfpath::config::v1::Config& config) {
  using namespace vfpath;
  cpu_set_t allowed;  // before EAL pins this thread to the main core
  sched_getaffinity(0, sizeof allowed, &allowed);
  std::vector<std::string> args = eal_argv(o);
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    std::cerr << "vfpathd: EAL initialisation failed: " << rte_strerror(rte_errno) << "\n";
    return 1;
  }
  const unsigned workers = o.worker_cores.empty() ? 1 : static_cast<unsigned>(o.worker_cores.size());
  // Per port and worker: rx ring + tx ring + a burst in flight; plus the per-core caches.
  const unsigned pool_size = o.mbufs ? o.mbufs
                                     : 2048 * static_cast<unsigned>(config.ports_size()) * workers + 1024 * (workers + 1);
  rte_mempool* pool = rte_pktmbuf_pool_create("vfpath_mbufs", pool_size, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id()));
  if (!pool) {
    std::cerr << "vfpathd: cannot create the mbuf pool: " << rte_strerror(rte_errno) << "\n";
    return 1;
  }

  control::PortIds port_ids;
  std::vector<PortSetup> setups;
  try {
    for (const auto& p : config.ports()) {
      port_ids[p.name()] = probe_port(p.name(), p.devargs());
      if (port_ids[p.name()] >= kMaxPorts)  // counters and tx queues are sized for kMaxPorts ids
        throw PortError("port " + p.name() + ": DPDK port id " + std::to_string(port_ids[p.name()]) +
                        " is beyond the " + std::to_string(kMaxPorts) + " ports vfpathd supports");
    }
    for (const auto& p : config.ports())
      setups.push_back(start_port(p.name(), port_ids[p.name()], static_cast<uint16_t>(workers), pool,
                                  config.underlay().port() == p.name() &&
                                      config.underlay().udp_checksum() == config::v1::Underlay::OFFLOAD));
  } catch (const PortError& e) {
    std::cerr << "vfpathd: " << e.what() << "\n";
    for (const auto& s : setups) stop_port(s.port_id);
    rte_eal_cleanup();
    return 1;
  }

  SnapshotPublisher publisher(workers);
  CounterSet counters(workers);
  std::unique_ptr<control::ConfigStore> store;
  try {
    store = std::make_unique<control::ConfigStore>(config, port_ids, publisher, counters);
  } catch (const control::CompileError& e) {
    std::cerr << "vfpathd: " << e.what() << "\n";
    for (const auto& s : setups) stop_port(s.port_id);
    rte_eal_cleanup();
    return 1;
  }
  register_telemetry(counters, publisher);

  std::vector<std::vector<RxQueue>> rx(workers);
  for (const auto& s : setups)
    for (uint16_t q = 0; q < s.rx_queues; ++q) rx[q % workers].push_back(RxQueue{s.port_id, q});
  std::vector<std::unique_ptr<Worker>> pool_of_workers;
  std::unique_ptr<HandoffRings> handoff;
  auto zone_counts = std::make_unique<ct::SharedZoneCount[]>(kMaxEnis);
  try {
    handoff = std::make_unique<HandoffRings>(workers);
    const uint32_t capacity = publisher.current()->conntrack_capacity;
    for (unsigned w = 0; w < workers; ++w)
      pool_of_workers.push_back(std::make_unique<Worker>(w, publisher, counters.lcore(w), rx[w],
                                                         static_cast<uint16_t>(w),
                                                         IdlePolicy{.max_sleep_us = o.idle_sleep_max_us},
                                                         WorkerTables::create(capacity, workers, zone_counts.get()), *handoff));
  } catch (const std::exception& e) {
    std::cerr << "vfpathd: " << e.what() << "\n";
    for (const auto& s : setups) stop_port(s.port_id);
    rte_eal_cleanup();
    return 1;
  }

  // ListConnections: each worker lists its own table, a slice per loop.
  auto lister = [&pool_of_workers](const ConnectionFilter& f, size_t max) {
    std::vector<ConnectionRecord> all;
    for (auto& w : pool_of_workers) {
      ListingRequest r;
      r.filter = f;
      r.max = max - all.size();
      r.out.reserve(r.max);
      w->request_listing(r);
      // A running worker serves it within a few loops. `r` lives on this
      // stack, so give up only once the worker no longer runs.
      while (!r.done.load(std::memory_order_acquire)) {
        if (!w->running()) throw std::runtime_error("vfpathd is stopping: the connection listing was not finished");
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      all.insert(all.end(), r.out.begin(), r.out.end());
      if (all.size() >= max) break;
    }
    return all;
  };
  control::ControlService service(*store, counters, publisher, control::new_boot_id(), lister);
  std::unique_ptr<grpc::Server> control_server;
  if (!o.control_socket.empty() || !o.control_tcp.empty()) {
    auto dir = o.control_socket.substr(0, o.control_socket.rfind('/'));
    if (!dir.empty()) ::mkdir(dir.c_str(), 0750);
    try {
      control::ControlListeners where{o.control_socket, o.control_tcp, read_file(o.tls_cert), read_file(o.tls_key),
                                      read_file(o.tls_client_ca)};
      control_server = start_control_on(service, where, control_cpus(o, allowed));
    } catch (const std::exception& e) {
      std::cerr << "vfpathd: control API: " << e.what() << "\n";
      for (const auto& s : setups) stop_port(s.port_id);
      rte_eal_cleanup();
      return 1;
    }
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::printf("vfpathd: running generation %llu: %d ports, %d ENIs, %u worker%s; control API %s\n",
              static_cast<unsigned long long>(config.generation()), config.ports_size(), config.enis_size(),
              workers, workers == 1 ? "" : "s",
              o.control_socket.empty() && o.control_tcp.empty()
                  ? "off"
                  : ((o.control_socket.empty() ? "" : "unix:" + o.control_socket) +
                     (o.control_tcp.empty() ? "" : " tcp:" + o.control_tcp +
                                                       (o.control_tcp_insecure ? " (plaintext)" : " (mutual TLS)")))
                        .c_str());
  std::fflush(stdout);

  if (o.worker_cores.empty()) {
    pool_of_workers[0]->run(g_stop);
  } else {
    for (unsigned w = 0; w < workers; ++w)
      rte_eal_remote_launch(launch_worker, pool_of_workers[w].get(), w + 1);
    while (!g_stop.load(std::memory_order_relaxed)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    rte_eal_mp_wait_lcore();
  }

  if (control_server) control_server->Shutdown();
  std::printf("vfpathd: stopping\n%s", counters_report(counters, publisher).c_str());
  std::fflush(stdout);
  pool_of_workers.clear();
  handoff.reset();  // frees frames still in flight between workers
  for (const auto& s : setups) stop_port(s.port_id);
  rte_eal_cleanup();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<vfpath::DaemonOptions> options;
  try {
    options = vfpath::parse_daemon_options(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "vfpathd: " << e.what() << "\n";
    return 2;
  }
  if (!options) return 0;
  vfpath::config::v1::Config config;
  try {
    config = vfpath::control::load_config_file(options->config_path);
  } catch (const vfpath::control::ConfigFileError& e) {
    std::cerr << "vfpathd: configuration refused, nothing started:\n" << e.what() << "\n";
    return 2;
  }
  if (options->check_config) {
    std::printf("%s: configuration is valid (generation %llu)\n", options->config_path.c_str(),
                static_cast<unsigned long long>(config.generation()));
    return 0;
  }
  return run(*options, config);
}
