#include "control/grpc_service.h"

#include "control/problem_text.h"

#include <grpcpp/health_check_service_interface.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

#include "acl/nacl.h"
#include "packet/text_address.h"
#include "dataplane/explain.h"
#include "dataplane/stats_view.h"

namespace vfpath::control {
namespace {


}  // namespace

ControlService::ControlService(ConfigStore& store, const CounterSet& counters, const SnapshotPublisher& publisher,
                               std::string boot_id, ConnectionLister lister, AlertLog* alerts)
    : store_(store), counters_(counters), publisher_(publisher), boot_id_(std::move(boot_id)), lister_(std::move(lister)),
      alerts_(alerts) {}

grpc::Status ControlService::StreamAlerts(grpc::ServerContext* ctx, const v1::AlertsRequest* req,
                                          grpc::ServerWriter<v1::Alert>* out) {
  if (!alerts_) return {grpc::StatusCode::UNIMPLEMENTED, "this daemon has no IDS alert log"};
  const size_t last = req->last() ? std::min<uint32_t>(req->last(), 10000) : 100;
  const uint64_t newest = alerts_->last_sequence();
  uint64_t after = newest > last ? newest - last : 0;
  for (;;) {
    auto batch = alerts_->read(after, 1000, req->follow() ? std::chrono::milliseconds(200) : std::chrono::milliseconds(0));
    for (auto& [seq, eve] : batch) {
      v1::Alert a;
      a.set_sequence(seq);
      a.set_eve(std::move(eve));
      if (!out->Write(a)) return grpc::Status::OK;  // the client went away
      after = seq;
    }
    if (!req->follow() && batch.size() < 1000) return grpc::Status::OK;
    if (ctx->IsCancelled() || stopping_.load()) return grpc::Status::OK;
  }
}

grpc::Status ControlService::ListConnections(grpc::ServerContext*, const v1::ListConnectionsRequest* req,
                                             grpc::ServerWriter<v1::Connection>* out) {
  if (!lister_) return {grpc::StatusCode::UNIMPLEMENTED, "this daemon has no connection tables"};
  ConnectionFilter f;
  f.state = req->state();
  if (req->port() > 65535) return {grpc::StatusCode::INVALID_ARGUMENT, "port: " + std::to_string(req->port()) + " is not a port"};
  f.port = static_cast<uint16_t>(req->port());
  if (!req->address().empty()) {
    IpAddr a{};
    if (auto v4 = parse_ipv4(req->address())) std::memcpy(a.bytes, &*v4, 4);
    else if (auto v6 = parse_ipv6(req->address())) std::memcpy(a.bytes, v6->bytes.data(), 16);
    else return {grpc::StatusCode::INVALID_ARGUMENT, "address: \"" + req->address() + "\" is not an IPv4 or IPv6 address"};
    f.address = a;
  }
  if (!f.state.empty() && !is_connection_state(f.state))
    return {grpc::StatusCode::INVALID_ARGUMENT, "state: \"" + f.state + "\" is not a connection state"};
  const size_t max = req->max() ? std::min<uint32_t>(req->max(), 1000000) : 10000;
  // Zones are ENI counter slots; names come from the snapshot in force.
  std::map<uint16_t, std::string> eni_of_zone;
  publisher_.with_current([&](const Snapshot* s) {
    if (!s) return;
    for (size_t i = 0; i < s->enis.size(); ++i) {
      eni_of_zone[s->eni_ct[i].zone] = s->enis[i].id;
      if (s->enis[i].id == req->eni()) f.zone = s->eni_ct[i].zone;
    }
  });
  if (!req->eni().empty() && f.zone < 0) return {grpc::StatusCode::NOT_FOUND, "eni: no ENI \"" + req->eni() + "\""};
  std::vector<ConnectionRecord> records;
  try {
    records = lister_(f, max);
  } catch (const std::exception& e) {
    return {grpc::StatusCode::UNAVAILABLE, e.what()};
  }
  auto text = [](const IpAddr& a, uint8_t family) {
    if (family == 4) {
      Ipv4Addr v4;
      std::memcpy(&v4, a.bytes, 4);
      return to_string(v4);
    }
    return to_string(Ipv6Addr::from(a.bytes));
  };
  for (const ConnectionRecord& r : records) {
    v1::Connection c;
    const bool a_first = r.originator == ct::Side::kA;
    c.set_eni(eni_of_zone.count(r.key.zone) ? eni_of_zone[r.key.zone] : "zone " + std::to_string(r.key.zone));
    const uint8_t p = r.key.proto;
    c.set_protocol(p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : p == 58 ? "icmpv6" : std::to_string(p));
    c.set_src(text(a_first ? r.key.a : r.key.b, r.key.family));
    c.set_dst(text(a_first ? r.key.b : r.key.a, r.key.family));
    c.set_src_port((a_first ? r.key.port_a : r.key.port_b).host());
    c.set_dst_port((a_first ? r.key.port_b : r.key.port_a).host());
    if (p == 1 || p == 58) {  // echo: the identifier is port A whichever side sent first
      c.set_src_port(r.key.port_a.host());
      c.set_dst_port(0);
    }
    c.set_state(std::string(r.state));
    c.set_seconds_left(r.seconds_left);
    c.set_generation(r.generation);
    c.set_worker(r.worker);
    if (!out->Write(c)) break;  // the client went away
  }
  return grpc::Status::OK;
}

grpc::Status ControlService::Apply(grpc::ServerContext*, const v1::ApplyRequest* req, v1::ApplyResponse* resp) {
  try {
    std::optional<uint64_t> base;
    if (req->has_base_generation()) base = req->base_generation();
    ApplyOutcome out = req->has_delta() ? store_.apply_delta(req->delta(), base) : store_.apply(req->config(), base);
    resp->set_generation(out.generation);
    resp->set_apply_micros(out.micros);
    switch (out.status) {
      case ApplyOutcome::Status::kApplied: return grpc::Status::OK;
      case ApplyOutcome::Status::kStale:
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, join_problems(out.problems));
      case ApplyOutcome::Status::kInvalid:
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, join_problems(out.problems));
      case ApplyOutcome::Status::kUnacknowledged:
        return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, join_problems(out.problems));
      case ApplyOutcome::Status::kUnavailable:
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, join_problems(out.problems));
    }
  } catch (const std::exception& e) {
    return grpc::Status(grpc::StatusCode::INTERNAL, std::string("apply failed: ") + e.what());
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "apply: unknown outcome");
}

grpc::Status ControlService::Get(grpc::ServerContext*, const v1::GetRequest*, v1::GetResponse* resp) {
  *resp->mutable_config() = store_.current();
  resp->set_generation(resp->config().generation());
  resp->set_boot_id(boot_id_);
  return grpc::Status::OK;
}

grpc::Status ControlService::GetStats(grpc::ServerContext*, const v1::GetStatsRequest*, v1::Stats* resp) {
  StatsView v = collect_stats(counters_, publisher_);
  resp->set_generation(v.generation);
  resp->set_boot_id(boot_id_);
  for (const auto& p : v.ports) {
    auto* o = resp->add_ports();
    o->set_name(p.name);
    o->set_rx_packets(p.totals.rx_packets);
    o->set_rx_bytes(p.totals.rx_bytes);
    o->set_tx_packets(p.totals.tx_packets);
    o->set_tx_bytes(p.totals.tx_bytes);
  }
  for (const auto& e : v.enis) {
    auto* o = resp->add_enis();
    o->set_id(e.id);
    o->set_rx_packets(e.totals.rx_packets);
    o->set_rx_bytes(e.totals.rx_bytes);
    o->set_tx_packets(e.totals.tx_packets);
    o->set_tx_bytes(e.totals.tx_bytes);
    o->set_connections(e.totals.connections);
    o->set_conntrack_allowance_exceeded(e.conntrack_allowance_exceeded);
    o->set_conntrack_allowance_available(e.conntrack_allowance_available);
    for (size_t r = 1; r < kDropReasonCount; ++r)
      if (e.totals.drops[r]) (*o->mutable_drops())[std::string(drop_reason_name(static_cast<DropReason>(r)))] = e.totals.drops[r];
    for (const auto& [name, value] : e.external_drops)
      if (value) (*o->mutable_drops())[name] = value;
    for (std::size_t k = 0; k < kTrafficClasses; ++k) {
      const ClassTotals& t = e.totals.classes[k];
      auto& out = (*o->mutable_traffic())[kTrafficClassNames[k]];
      out.set_out_packets(t.out_packets);
      out.set_out_bytes(t.out_bytes);
      out.set_in_packets(t.in_packets);
      out.set_in_bytes(t.in_bytes);
    }
  }
  for (size_t r = 1; r < kDropReasonCount; ++r)
    (*resp->mutable_drops())[std::string(drop_reason_name(static_cast<DropReason>(r)))] = v.drops[r];
  for (const auto& [name, value] : v.external_drops) (*resp->mutable_drops())[name] = value;
  for (const auto& n : v.nacls) {
    auto* o = resp->add_nacls();
    o->set_id(n.id);
    for (const auto& [name, hits] : n.hits) (*o->mutable_hits())[name] = hits;
  }
  if (alerts_) {
    IdsTotals t = alerts_->totals();
    auto* ids = resp->mutable_ids();
    for (const auto& [name, value] : t.counters) (*ids->mutable_counters())[name] = value;
    for (const auto& r : t.rules) {
      auto* o = ids->add_rules();
      o->set_ruleset(r.ruleset);
      o->set_sid(r.sid);
      o->set_msg(r.msg);
      o->set_hits(r.hits);
    }
  }
  return grpc::Status::OK;
}

grpc::Status ControlService::Explain(grpc::ServerContext*, const v1::ExplainRequest* req, v1::ExplainResponse* resp) {
  PacketDescription d;
  d.eni = req->eni();
  d.src = req->src();
  d.dst = req->dst();
  auto proto = acl::nacl::parse_protocol(req->protocol().empty() ? "tcp" : req->protocol());
  if (!proto.ok() || proto.value() < 0)
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "protocol: " + (proto.ok() ? std::string("must be one protocol") : proto.error().message));
  d.protocol = static_cast<uint8_t>(proto.value());
  if (req->src_port() > 65535 || req->dst_port() > 65535 || req->ttl() > 255 || req->icmp_type() > 255 ||
      req->icmp_code() > 255 || req->icmp_type() < 0 || req->icmp_code() < 0)
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "ports are 0..65535; ttl, icmp_type and icmp_code 0..255");
  if (req->src_port()) d.src_port = static_cast<uint16_t>(req->src_port());
  if (req->dst_port()) d.dst_port = static_cast<uint16_t>(req->dst_port());
  if (req->icmp_type()) d.icmp_type = static_cast<uint8_t>(req->icmp_type());
  d.icmp_code = static_cast<uint8_t>(req->icmp_code());
  if (req->ttl()) d.ttl = static_cast<uint8_t>(req->ttl());
  Explanation e;
  uint64_t generation = 0;
  publisher_.with_current([&](const Snapshot* s) {
    generation = s->generation;
    e = explain(*s, d);
  });
  if (!e.error.empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.error);
  resp->set_verdict(e.verdict);
  resp->set_drop_reason(e.drop_reason);
  resp->set_to_eni(e.to_eni);
  resp->set_route(e.route);
  resp->set_generation(generation);
  for (const auto& n : e.nacls) {
    auto* o = resp->add_nacls();
    o->set_nacl(n.nacl);
    o->set_direction(n.direction);
    o->set_rule_number(n.rule_number);
    o->set_action(n.allowed ? "ALLOW" : "DENY");
  }
  for (const auto& g : e.security_groups) {
    auto* o = resp->add_security_groups();
    o->set_eni(g.eni);
    o->set_direction(g.direction);
    o->set_groups(g.groups);
    o->set_rule(g.rule);
    o->set_state(g.state);
    o->set_action(g.allowed ? "ALLOW" : "DENY");
  }
  return grpc::Status::OK;
}

std::unique_ptr<grpc::Server> start_control_server(ControlService& service, const ControlListeners& where) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  if (!where.unix_socket.empty()) {
    ::unlink(where.unix_socket.c_str());  // a socket left by a previous run
    builder.AddListeningPort("unix:" + where.unix_socket, grpc::InsecureServerCredentials());
  }
  if (!where.tcp.empty()) {
    std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
    if (!where.tls_cert_pem.empty()) {
      grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
      tls.pem_root_certs = where.tls_client_ca_pem;
      tls.pem_key_cert_pairs.push_back({where.tls_key_pem, where.tls_cert_pem});
      creds = grpc::SslServerCredentials(tls);
    }
    builder.AddListeningPort(where.tcp, creds);
  }
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  mode_t old = ::umask(0117);  // socket 0660: owner and group may connect
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ::umask(old);
  if (!server)
    throw std::runtime_error("cannot listen on " + (where.unix_socket.empty() ? "" : "unix:" + where.unix_socket + " ") +
                             where.tcp + " (in use, no permission, or a bad certificate/key)");
  return server;
}

std::string new_boot_id() {
  std::ifstream in("/proc/sys/kernel/random/uuid");
  std::string id;
  std::getline(in, id);
  return id.empty() ? std::to_string(::getpid()) + "-" + std::to_string(::time(nullptr)) : id;
}

}  // namespace vfpath::control
