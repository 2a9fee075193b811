// The gRPC control service (vfpath_service.proto) over a ConfigStore and the
// counters, and the server that listens on a Unix socket. Every error a
// client can cause comes back as a gRPC status with a precise message;
// nothing thrown crosses this boundary.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "control/config_store.h"
#include "control/ids_alerts.h"
#include "control/vfpath_service.grpc.pb.h"
#include "dataplane/connection_listing.h"
#include "dataplane/counters.h"
#include "dataplane/snapshot_publisher.h"

namespace vfpath::control {

// Gathers the connections of every worker (the daemon wires it to the
// workers' mailboxes). Throws std::runtime_error when a worker does not answer.
using ConnectionLister = std::function<std::vector<ConnectionRecord>(const ConnectionFilter&, size_t max)>;

class ControlService final : public v1::Control::Service {
 public:
  ControlService(ConfigStore& store, const CounterSet& counters, const SnapshotPublisher& publisher,
                 std::string boot_id, ConnectionLister lister = {}, AlertLog* alerts = nullptr);

  grpc::Status Apply(grpc::ServerContext*, const v1::ApplyRequest* req, v1::ApplyResponse* resp) override;
  grpc::Status Get(grpc::ServerContext*, const v1::GetRequest*, v1::GetResponse* resp) override;
  grpc::Status GetStats(grpc::ServerContext*, const v1::GetStatsRequest*, v1::Stats* resp) override;
  grpc::Status Explain(grpc::ServerContext*, const v1::ExplainRequest* req, v1::ExplainResponse* resp) override;
  grpc::Status ListConnections(grpc::ServerContext*, const v1::ListConnectionsRequest* req,
                               grpc::ServerWriter<v1::Connection>* out) override;
  grpc::Status StreamAlerts(grpc::ServerContext*, const v1::AlertsRequest* req,
                            grpc::ServerWriter<v1::Alert>* out) override;
  // Ends every StreamAlerts that follows (the daemon is stopping).
  void stop_streams() { stopping_.store(true); }

 private:
  ConfigStore& store_;
  const CounterSet& counters_;
  const SnapshotPublisher& publisher_;
  std::string boot_id_;
  ConnectionLister lister_;
  AlertLog* alerts_;
  std::atomic<bool> stopping_{false};
};

// Where the control API listens: a Unix socket (replaced if stale; mode 0660,
// so access is by file permissions) and optionally TCP, with mutual TLS
// (server certificate + a CA that must have signed the client's) or, only
// when asked for explicitly, plaintext.
struct ControlListeners {
  std::string unix_socket;  // empty: none
  std::string tcp;          // host:port; empty: none
  std::string tls_cert_pem, tls_key_pem, tls_client_ca_pem;  // all empty: plaintext TCP
};

// Starts the server with the standard grpc.health.v1 service. Throws
// std::runtime_error if it cannot listen.
std::unique_ptr<grpc::Server> start_control_server(ControlService& service, const ControlListeners& where);

// A random id (UUID text) for this start of the daemon.
std::string new_boot_id();

// Requests larger than this are refused by gRPC itself (RESOURCE_EXHAUSTED).
inline constexpr int kMaxRequestBytes = 16 * 1024 * 1024;

}  // namespace vfpath::control
