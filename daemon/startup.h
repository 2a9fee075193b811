// vfpathd's start-up resources, each owning what it brought up and giving it
// back in its destructor, so every failure path of start-up (and the clean
// stop) releases the same things in the reverse order of acquisition. A
// failure is a StartupError whose message is what the operator reads after
// "vfpathd: " (exit code 1).
#pragma once

#include <grpcpp/server.h>
#include <rte_mempool.h>
#include <sched.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "control/compile.h"
#include "control/config_file.h"
#include "control/grpc_service.h"
#include "daemon/options.h"
#include "dataplane/ports.h"

namespace vfpath::daemon {

class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// EAL with lcore 0 on the main core and lcore w + 1 on worker core w.
class EalSession final {
 public:
  explicit EalSession(const DaemonOptions& o);  // throws StartupError
  ~EalSession();
  EalSession(const EalSession&) = delete;
  EalSession& operator=(const EalSession&) = delete;
};

// The mbuf pool every port receives into. EAL frees its memory at cleanup.
rte_mempool* create_mbuf_pool(const DaemonOptions& o, unsigned ports, unsigned workers);  // throws StartupError

// Every configured port probed and started; stopped (pcap outputs flushed)
// when this goes, including the ones started before a later one failed.
class StartedPorts final {
 public:
  // `xdp_object`: what net_af_xdp ports load as their XDP program ("" none).
  StartedPorts(const config::v1::Config& config, unsigned workers, rte_mempool* pool,
               const std::string& xdp_object);  // throws StartupError
  ~StartedPorts();
  StartedPorts(const StartedPorts&) = delete;
  StartedPorts& operator=(const StartedPorts&) = delete;
  const control::PortIds& ids() const { return ids_; }
  const std::vector<PortSetup>& setups() const { return setups_; }

 private:
  void stop_all();
  control::PortIds ids_;
  std::vector<PortSetup> setups_;
};

// The gRPC control server, its threads on `cpus` (not the polling cores);
// shut down when this goes. Not started when no listener is configured.
class ControlEndpoint final {
 public:
  ControlEndpoint(control::ControlService& service, const DaemonOptions& o, const cpu_set_t& cpus);  // throws StartupError
  ~ControlEndpoint();
  ControlEndpoint(const ControlEndpoint&) = delete;
  ControlEndpoint& operator=(const ControlEndpoint&) = delete;
  void shutdown();
  // "unix:<path> tcp:<host:port> (mutual TLS)", or "off".
  std::string describe() const;

 private:
  const DaemonOptions& options_;
  std::unique_ptr<grpc::Server> server_;
};

// The CPUs the process may use minus those that poll: where control threads
// (gRPC) belong, so they never take a polling core's time (and never make a
// worker wait for the thread that waits for it). Empty if nothing is left.
cpu_set_t control_cpus(const DaemonOptions& o, const cpu_set_t& allowed);

// Creates `path` and its parents as needed; false (with a warning on
// stderr) when it cannot. "" is fine.
bool try_make_directories(const std::string& path);

}  // namespace vfpath::daemon
