// vfpathd: reads and validates the configuration, brings up EAL and the
// ports, publishes the first snapshot and runs one Worker per worker core
// until SIGINT/SIGTERM/SIGHUP, then prints the counters and closes the ports (which
// flushes pcap outputs). Exit codes: 0 clean stop, 1 start-up failure,
// 2 bad command line or configuration.
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <sched.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <thread>

#include "control/compile.h"
#include "control/config_file.h"
#include "control/config_store.h"
#include "control/grpc_service.h"
#include "daemon/metadata_service.h"
#include "daemon/options.h"
#include "daemon/xdp_programs.h"
#include "daemon/startup.h"
#include "dataplane/counters.h"
#include "dataplane/handoff_rings.h"
#include "dataplane/ports.h"
#include "dataplane/snapshot_publisher.h"
#include "dataplane/stats_view.h"
#include "dataplane/telemetry.h"
#include "dataplane/worker.h"

namespace {

using namespace vfpath;

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

int launch_worker(void* arg) {
  static_cast<Worker*>(arg)->run(g_stop);
  return 0;
}

// The workers and what they share; destroyed before the ports stop. Member
// order is destruction order reversed: the workers go first, then the zone
// counts they share, then the rings (which free frames still in flight).
struct Workers {
  std::unique_ptr<HandoffRings> handoff;
  std::unique_ptr<ct::SharedZoneCount[]> zone_counts = std::make_unique<ct::SharedZoneCount[]>(kMaxEnis);
  // Per-ENI allowance buckets: an ENI's allowance is the ENI's, whichever worker its packets reach.
  std::unique_ptr<EniBuckets[]> allowance_buckets = std::make_unique<EniBuckets[]>(kAllowanceSlots);
  std::vector<std::unique_ptr<Worker>> each;

  Workers(const DaemonOptions& o, unsigned workers, const std::vector<PortSetup>& setups,
          SnapshotPublisher& publisher, CounterSet& counters, const MetadataRings* metadata, rte_mempool* pool) {
    std::vector<std::vector<RxQueue>> rx(workers);
    for (const auto& s : setups)
      for (uint16_t q = 0; q < s.rx_queues; ++q) rx[q % workers].push_back(RxQueue{s.port_id, q});
    try {
      handoff = std::make_unique<HandoffRings>(workers);
      const uint32_t capacity = publisher.current()->conntrack_capacity;
      for (unsigned w = 0; w < workers; ++w)
        each.push_back(std::make_unique<Worker>(
            w, workers, EthIo{handoff.get(), metadata, pool}, publisher, counters.lcore(w), rx[w], static_cast<uint16_t>(w),
            IdlePolicy{.max_sleep_us = o.idle_sleep_max_us},
            WorkerTables::create(capacity, workers, zone_counts.get(), rte_get_tsc_hz(), allowance_buckets.get()),
            RouterAdvertPolicy{.max_interval_s = o.ra_interval_max_s}));
    } catch (const std::exception& e) {
      throw daemon::StartupError(e.what());
    }
  }
  // Each worker's IDS state, for the alert log (owned by the workers' tables).
  std::vector<IdsWorkerState*> ids_states() {
    std::vector<IdsWorkerState*> out;
    for (auto& w : each) out.push_back(w->ids_state());
    return out;
  }
  // ListConnections: each worker lists its own table, a slice per loop.
  std::vector<ConnectionRecord> list(const ConnectionFilter& f, size_t max) {
    std::vector<ConnectionRecord> all;
    for (auto& w : each) {
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
  }
};

// Start-up in order of acquisition; every resource gives itself back on the
// way out, whether start-up failed half-way or the daemon stops cleanly.
int run(const DaemonOptions& o, const config::v1::Config& config) {
  cpu_set_t allowed;  // before EAL pins this thread to the main core
  sched_getaffinity(0, sizeof allowed, &allowed);
  try {
    daemon::EalSession eal(o);
    const unsigned workers = o.worker_cores.empty() ? 1 : static_cast<unsigned>(o.worker_cores.size());
    rte_mempool* pool = daemon::create_mbuf_pool(o, static_cast<unsigned>(config.ports_size()), workers);
    const std::string xdp_object = daemon::xdp_object_path(o.xdp_program);
    daemon::StartedPorts ports(config, workers, pool, xdp_object);
    SnapshotPublisher publisher(workers);
    CounterSet counters(workers);
    std::unique_ptr<control::ConfigStore> store;
    try {
      // The IDS cache and log are conveniences: without them IDS still works
      // (recompiling at start, alerts only streamed), and ENIs without IDS never notice.
      std::string cache_dir = o.ids_cache_dir;
      if (!cache_dir.empty() && !daemon::try_make_directories(cache_dir)) cache_dir.clear();
      store = std::make_unique<control::ConfigStore>(config, ports.ids(), publisher, counters,
                                                     control::IdsCompileSettings{workers, cache_dir});
    } catch (const control::CompileError& e) {
      throw daemon::StartupError(e.what());
    }
    // The XDP programs of net_af_xdp ports: their maps follow every push,
    // their counters join ours. Unhooked before they go.
    std::unique_ptr<daemon::XdpPrograms> xdp;
    try {
      xdp = std::make_unique<daemon::XdpPrograms>(config, ports.ids(), xdp_object, o.xdp_native);
      if (xdp->empty()) xdp.reset();
      else store->on_publish([&xdp](const Snapshot& s) { xdp->apply(s); });
    } catch (const std::exception& e) {
      throw daemon::StartupError(std::string("XDP: ") + e.what());
    }
    if (xdp) set_external_counters([&xdp] { return xdp->counters(); });
    struct UnhookXdp {
      control::ConfigStore& store;
      bool hooked;
      ~UnhookXdp() {
        if (!hooked) return;
        set_external_counters({});
        store.on_publish({});
      }
    } unhook_xdp{*store, xdp != nullptr};
    register_telemetry(counters, publisher);
    // The instance metadata service: without it (--no-metadata, or it could
    // not start) its requests are dropped and counted, nothing else changes.
    std::unique_ptr<MetadataRings> metadata_rings;
    std::unique_ptr<daemon::MetadataService> metadata;
    if (o.metadata) {
      try {
        metadata_rings = std::make_unique<MetadataRings>(pool);
        metadata = std::make_unique<daemon::MetadataService>(*metadata_rings, publisher, daemon::control_cpus(o, allowed));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "vfpathd: the instance metadata service is not running: %s\n", e.what());
        metadata.reset();
        metadata_rings.reset();
      }
    }
    Workers pool_of_workers(o, workers, ports.setups(), publisher, counters, metadata ? metadata_rings.get() : nullptr,
                            pool);
    std::unique_ptr<control::AlertLog> alerts;
    try {
      if (!o.eve_log.empty()) daemon::try_make_directories(std::filesystem::path(o.eve_log).parent_path().string());
      alerts = std::make_unique<control::AlertLog>(
          control::AlertLogOptions{.path = o.eve_log, .max_bytes = uint64_t{o.eve_log_max_mb} << 20, .keep = o.eve_log_keep},
          control::AlertClock{rte_get_tsc_cycles(), rte_get_tsc_hz(), std::chrono::system_clock::now()},
          pool_of_workers.ids_states(), publisher);
      if (!alerts->open_error().empty()) std::fprintf(stderr, "vfpathd: %s; IDS alerts are only streamed\n", alerts->open_error().c_str());
    } catch (const std::exception& e) {
      throw daemon::StartupError(e.what());
    }
    register_ids_telemetry(pool_of_workers.ids_states(), publisher);
    // Alerts leave the workers' rings here, never on a worker.
    std::atomic<bool> drain_stop{false};
    std::thread drainer([&] {
      while (!drain_stop.load(std::memory_order_relaxed)) {
        if (alerts->drain() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      alerts->drain();
    });
    struct JoinDrainer {
      std::atomic<bool>& stop;
      std::thread& t;
      ~JoinDrainer() {
        stop.store(true);
        t.join();
      }
    } join_drainer{drain_stop, drainer};
    control::ControlService service(*store, counters, publisher, control::new_boot_id(),
                                    [&](const ConnectionFilter& f, size_t max) { return pool_of_workers.list(f, max); },
                                    alerts.get());
    daemon::ControlEndpoint control(service, o, daemon::control_cpus(o, allowed));

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    // A hangup (the terminal or session it ran in went away) stops it as
    // cleanly as SIGTERM, counters printed, instead of the default kill.
    // Configuration changes are pushes (vfpathctl apply), not a reload.
    std::signal(SIGHUP, on_signal);
    std::printf("vfpathd: running generation %llu: %d ports, %d ENIs, %u worker%s; control API %s; instance metadata %s%s%s\n",
                static_cast<unsigned long long>(config.generation()), config.ports_size(), config.enis_size(),
                workers, workers == 1 ? "" : "s", control.describe().c_str(), metadata ? "on" : "off",
                xdp ? "; XDP on " : "", xdp ? xdp->describe().c_str() : "");
    std::fflush(stdout);

    if (o.worker_cores.empty()) {
      pool_of_workers.each[0]->run(g_stop);
    } else {
      for (unsigned w = 0; w < workers; ++w) rte_eal_remote_launch(launch_worker, pool_of_workers.each[w].get(), w + 1);
      while (!g_stop.load(std::memory_order_relaxed)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      rte_eal_mp_wait_lcore();
    }

    service.stop_streams();
    control.shutdown();
    std::printf("vfpathd: stopping\n%s", counters_report(counters, publisher).c_str());
    std::fflush(stdout);
    return 0;
  } catch (const daemon::StartupError& e) {
    std::cerr << "vfpathd: " << e.what() << "\n";
    return 1;
  }
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
