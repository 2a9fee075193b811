// vfpathctl: the command line to vfpathd's control API.
//   vfpathctl [--socket PATH] [-o table|json] apply FILE [--base-generation N]
//   vfpathctl ... get | stats | health
// Exit codes: 0 done; 1 the daemon refused (invalid or stale push); 2 bad
// usage or unreadable file; 3 the daemon cannot be reached.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "control/vfpath_service.grpc.pb.h"
#include "control/vfpathctl/sg_verbs.h"

namespace po = boost::program_options;
using vfpath::control::v1::Control;

namespace {

enum Exit { kOk = 0, kRefused = 1, kUsage = 2, kUnreachable = 3 };

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

int report(const grpc::Status& s, const char* what) {
  if (s.ok()) return kOk;
  bool unreachable = s.error_code() == grpc::StatusCode::UNAVAILABLE || s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
  std::cerr << "vfpathctl: " << what << (unreachable ? ": cannot reach vfpathd: " : " refused:\n") << s.error_message()
            << "\n";
  return unreachable ? kUnreachable : kRefused;
}

grpc::ClientContext* with_deadline(grpc::ClientContext& c, int seconds) {
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return &c;
}

int apply(Control::Stub& stub, const std::string& file, const po::variables_map& vm) {
  std::ifstream in(file);
  if (!in) {
    std::cerr << "vfpathctl: cannot open " << file << "\n";
    return kUsage;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  vfpath::control::v1::ApplyRequest req;
  google::protobuf::util::JsonParseOptions jo;
  auto st = vm.count("delta") ? google::protobuf::util::JsonStringToMessage(buf.str(), req.mutable_delta(), jo)
                              : google::protobuf::util::JsonStringToMessage(buf.str(), req.mutable_config(), jo);
  if (!st.ok()) {
    std::string m(st.message());
    std::cerr << "vfpathctl: " << file << ": " << m.substr(0, m.find('\n')) << "\n";
    return kUsage;
  }
  // IDS rule sets given as rules_file: read here, relative to FILE's
  // directory (the daemon never reads files a push names).
  const std::string dir = std::filesystem::path(file).parent_path().string();
  auto* rulesets = vm.count("delta") ? req.mutable_delta()->mutable_upsert_ids_rulesets()
                                     : req.mutable_config()->mutable_ids_rulesets();
  for (auto& r : *rulesets) {
    if (r.rules_file().empty()) continue;
    const std::string path = r.rules_file()[0] == '/' || dir.empty() ? r.rules_file() : dir + "/" + r.rules_file();
    std::ifstream rf(path);
    if (!rf) {
      std::cerr << "vfpathctl: " << file << ": ids rule set " << r.id() << ": cannot open " << path << "\n";
      return kUsage;
    }
    std::stringstream rb;
    rb << rf.rdbuf();
    r.set_rules(rb.str());
    r.clear_rules_file();
  }
  if (vm.count("base-generation")) req.set_base_generation(vm["base-generation"].as<uint64_t>());
  vfpath::control::v1::ApplyResponse resp;
  grpc::ClientContext ctx;
  // Long: compiling a large IDS rule set takes seconds.
  int rc = report(stub.Apply(with_deadline(ctx, 300), req, &resp), "apply");
  if (rc == kOk) std::printf("applied generation %llu in %llu us\n", (unsigned long long)resp.generation(),
                             (unsigned long long)resp.apply_micros());
  return rc;
}

int get(Control::Stub& stub) {
  vfpath::control::v1::GetResponse resp;
  grpc::ClientContext ctx;
  int rc = report(stub.Get(with_deadline(ctx, 10), {}, &resp), "get");
  if (rc == kOk) std::cout << to_json(resp);
  return rc;
}

int stats(Control::Stub& stub, const std::string& format) {
  vfpath::control::v1::Stats s;
  grpc::ClientContext ctx;
  int rc = report(stub.GetStats(with_deadline(ctx, 10), {}, &s), "stats");
  if (rc != kOk) return rc;
  if (format == "json") {
    std::cout << to_json(s);
    return kOk;
  }
  std::printf("generation %llu  boot %s\n\n%-16s %12s %14s %12s %14s\n", (unsigned long long)s.generation(),
              s.boot_id().c_str(), "PORT", "RX_PACKETS", "RX_BYTES", "TX_PACKETS", "TX_BYTES");
  for (const auto& p : s.ports())
    std::printf("%-16s %12llu %14llu %12llu %14llu\n", p.name().c_str(), (unsigned long long)p.rx_packets(),
                (unsigned long long)p.rx_bytes(), (unsigned long long)p.tx_packets(), (unsigned long long)p.tx_bytes());
  std::printf("\n%-16s %12s %12s %8s %10s %10s  %s\n", "ENI", "FROM_VM", "TO_VM", "CONNS", "ALLOW_EXC", "ALLOW_AVL", "DROPS");
  for (const auto& e : s.enis()) {
    std::map<std::string, uint64_t> sorted(e.drops().begin(), e.drops().end());
    std::string drops;
    for (const auto& [k, v] : sorted) drops += k + "=" + std::to_string(v) + " ";
    std::printf("%-16s %12llu %12llu %8llu %10llu %10llu  %s\n", e.id().c_str(), (unsigned long long)e.rx_packets(),
                (unsigned long long)e.tx_packets(), (unsigned long long)e.connections(),
                (unsigned long long)e.conntrack_allowance_exceeded(), (unsigned long long)e.conntrack_allowance_available(),
                drops.empty() ? "-" : drops.c_str());
  }
  std::printf("\n%-16s %-9s %14s %14s %14s %14s\n", "TRAFFIC", "CLASS", "OUT_PACKETS", "OUT_BYTES", "IN_PACKETS",
              "IN_BYTES");
  for (const auto& e : s.enis())
    for (const char* k : {"local", "overlay", "internet"}) {
      auto t = e.traffic().find(k);
      if (t == e.traffic().end() || (t->second.out_packets() == 0 && t->second.in_packets() == 0)) continue;
      std::printf("%-16s %-9s %14llu %14llu %14llu %14llu\n", e.id().c_str(), k, (unsigned long long)t->second.out_packets(),
                  (unsigned long long)t->second.out_bytes(), (unsigned long long)t->second.in_packets(),
                  (unsigned long long)t->second.in_bytes());
    }
  std::printf("\nDROPS BY REASON\n");
  std::map<std::string, uint64_t> drops(s.drops().begin(), s.drops().end());
  for (const auto& [k, v] : drops)
    if (v) std::printf("  %-20s %llu\n", k.c_str(), (unsigned long long)v);
  for (const auto& n : s.nacls()) {
    std::printf("\nNETWORK ACL %s\n", n.id().c_str());
    std::map<std::string, uint64_t> hits(n.hits().begin(), n.hits().end());
    for (const auto& [k, v] : hits) std::printf("  %-28s %llu\n", k.c_str(), (unsigned long long)v);
  }
  if (s.has_ids()) {
    std::printf("\nIDS\n");
    std::map<std::string, uint64_t> counters(s.ids().counters().begin(), s.ids().counters().end());
    for (const auto& [k, v] : counters) std::printf("  %-28s %llu\n", k.c_str(), (unsigned long long)v);
    if (s.ids().rules_size()) std::printf("\n%-16s %10s %12s  %s\n", "RULESET", "SID", "HITS", "MSG");
    for (const auto& r : s.ids().rules())
      std::printf("%-16s %10u %12llu  %s\n", r.ruleset().c_str(), r.sid(), (unsigned long long)r.hits(), r.msg().c_str());
  }
  return kOk;
}

// The latest IDS alerts as EVE JSON lines; with -f, then every new one
// until interrupted.
int alerts(Control::Stub& stub, const po::variables_map& vm) {
  vfpath::control::v1::AlertsRequest req;
  req.set_follow(vm.count("follow") > 0);
  if (vm.count("max")) req.set_last(vm["max"].as<uint32_t>());
  grpc::ClientContext ctx;
  if (!req.follow()) ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub.StreamAlerts(&ctx, req);
  vfpath::control::v1::Alert a;
  while (reader->Read(&a)) {
    std::fwrite(a.eve().data(), 1, a.eve().size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  return report(reader->Finish(), "alerts");
}

int explain(Control::Stub& stub, const po::variables_map& vm, const std::string& format) {
  vfpath::control::v1::ExplainRequest req;
  if (!vm.count("eni") || !vm.count("dst")) {
    std::cerr << "vfpathctl: explain needs --eni and --dst (see --help)\n";
    return kUsage;
  }
  req.set_eni(vm["eni"].as<std::string>());
  req.set_dst(vm["dst"].as<std::string>());
  if (vm.count("src")) req.set_src(vm["src"].as<std::string>());
  if (vm.count("protocol")) req.set_protocol(vm["protocol"].as<std::string>());
  if (vm.count("port")) {
    try {
      req.set_dst_port(static_cast<uint32_t>(std::stoul(vm["port"].as<std::string>())));
    } catch (const std::exception&) {
      std::cerr << "vfpathctl: explain: -p takes one port number\n";
      return kUsage;
    }
  }
  if (vm.count("src-port")) req.set_src_port(vm["src-port"].as<uint32_t>());
  if (vm.count("icmp-type")) req.set_icmp_type(vm["icmp-type"].as<int32_t>());
  if (vm.count("icmp-code")) req.set_icmp_code(vm["icmp-code"].as<int32_t>());
  if (vm.count("ttl")) req.set_ttl(vm["ttl"].as<uint32_t>());
  vfpath::control::v1::ExplainResponse resp;
  grpc::ClientContext ctx;
  int rc = report(stub.Explain(with_deadline(ctx, 10), req, &resp), "explain");
  if (rc != kOk) return rc;
  if (format == "json") {
    std::cout << to_json(resp);
    return kOk;
  }
  std::printf("verdict   %s%s%s\n", resp.verdict().c_str(), resp.drop_reason().empty() ? "" : " ",
              resp.drop_reason().c_str());
  if (!resp.to_eni().empty()) std::printf("to ENI    %s\n", resp.to_eni().c_str());
  std::printf("route     %s\n", resp.route().c_str());
  for (const auto& n : resp.nacls())
    std::printf("nacl      %s %s rule %s: %s\n", n.nacl().c_str(), n.direction().c_str(),
                n.rule_number() ? std::to_string(n.rule_number()).c_str() : "* (implicit deny)", n.action().c_str());
  for (const auto& g : resp.security_groups())
    std::printf("sg        %s %s [%s]: %s%s%s%s\n", g.eni().c_str(), g.direction().c_str(), g.groups().c_str(),
                g.action().c_str(), g.rule().empty() ? "" : " by ", g.rule().c_str(),
                g.state().empty() ? " (no rule allows it)" : (" (" + g.state() + ")").c_str());
  std::printf("generation %llu\n", (unsigned long long)resp.generation());
  return kOk;
}

int health(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext ctx;
  with_deadline(ctx, 5);
  // grpc.health.v1.Health/Check with an empty request (service "" = the server).
  grpc::ByteBuffer req, resp;
  grpc::Slice empty("");
  req = grpc::ByteBuffer(&empty, 1);
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::Status st;
  auto call = stub.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", req, &cq);
  call->StartCall();
  call->Finish(&resp, &st, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  cq.Next(&tag, &ok);
  int rc = report(st, "health");
  if (rc == kOk) {
    std::vector<grpc::Slice> slices;
    (void)resp.Dump(&slices);
    std::string bytes;
    for (auto& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    bool serving = bytes.size() >= 2 && bytes[0] == 0x08 && bytes[1] == 0x01;  // field 1 = SERVING
    std::printf("%s\n", serving ? "SERVING" : "NOT_SERVING");
    return serving ? kOk : kRefused;
  }
  return rc;
}

int conns(Control::Stub& stub, const po::variables_map& vm, const std::string& format) {
  vfpath::control::v1::ListConnectionsRequest req;
  if (vm.count("eni")) req.set_eni(vm["eni"].as<std::string>());
  if (vm.count("address")) req.set_address(vm["address"].as<std::string>());
  if (vm.count("port")) {
    try {
      req.set_port(static_cast<uint32_t>(std::stoul(vm["port"].as<std::string>())));
    } catch (const std::exception&) {
      std::cerr << "vfpathctl: conns: -p takes one port number\n";
      return kUsage;
    }
  }
  if (vm.count("state")) req.set_state(vm["state"].as<std::string>());
  if (vm.count("max")) req.set_max(vm["max"].as<uint32_t>());
  grpc::ClientContext ctx;
  auto reader = stub.ListConnections(with_deadline(ctx, 60), req);
  vfpath::control::v1::Connection c;
  size_t n = 0;
  if (format == "table")
    std::printf("%-14s %-6s %-40s %-40s %-13s %9s %7s\n", "ENI", "PROTO", "SOURCE", "DESTINATION", "STATE", "IDLE_LEFT", "WORKER");
  while (reader->Read(&c)) {
    ++n;
    if (format == "json") {
      std::cout << to_json(c);
      continue;
    }
    auto endpoint = [](const std::string& a, uint32_t p) {
      return (a.find(':') != std::string::npos ? "[" + a + "]" : a) + ":" + std::to_string(p);
    };
    std::printf("%-14s %-6s %-40s %-40s %-13s %8us %7u\n", c.eni().c_str(), c.protocol().c_str(),
                endpoint(c.src(), c.src_port()).c_str(), endpoint(c.dst(), c.dst_port()).c_str(), c.state().c_str(),
                c.seconds_left(), c.worker());
  }
  int rc = report(reader->Finish(), "conns");
  if (rc == kOk && format == "table") std::printf("%zu connection%s\n", n, n == 1 ? "" : "s");
  return rc;
}

// Pushes `delta` as the generation after `base`, against `base` (a push in
// between makes it stale and refused, never lost); prints "<done>:
// generation N in T us" when applied.
int push_next(Control::Stub& stub, uint64_t base, vfpath::config::v1::Delta delta, const std::string& verb,
              const std::string& done) {
  vfpath::control::v1::ApplyRequest req;
  req.set_base_generation(base);
  delta.set_generation(base + 1);
  *req.mutable_delta() = std::move(delta);
  vfpath::control::v1::ApplyResponse resp;
  grpc::ClientContext ctx;
  const int rc = report(stub.Apply(with_deadline(ctx, 60), req, &resp), verb.c_str());
  if (rc == kOk)
    std::printf("%s: generation %llu in %llu us\n", done.c_str(), (unsigned long long)resp.generation(),
                (unsigned long long)resp.apply_micros());
  return rc;
}

// authorize / revoke: read the configuration in force, edit the group, push
// it back as a delta against that generation (a concurrent push makes this
// one stale and refused, never lost).
int edit_group(Control::Stub& stub, const std::string& verb, const std::string& group, const po::variables_map& vm) {
  vfpath::ctl::SgRuleArgs a;
  a.egress = vm.count("egress") > 0;
  if (vm.count("protocol")) a.protocol = vm["protocol"].as<std::string>();
  if (vm.count("port")) a.ports = vm["port"].as<std::string>();
  if (vm.count("icmp")) a.icmp = vm["icmp"].as<std::string>();
  if (vm.count("source")) a.cidrs = vm["source"].as<std::vector<std::string>>();
  if (vm.count("source-group")) a.groups = vm["source-group"].as<std::vector<std::string>>();
  if (vm.count("prefix-list")) a.prefix_lists = vm["prefix-list"].as<std::vector<std::string>>();
  vfpath::config::v1::SgRule rule;
  std::string error;
  if (!vfpath::ctl::rule_from_args(a, rule, error)) {
    std::cerr << "vfpathctl: " << verb << ": " << error << "\n";
    return kUsage;
  }
  vfpath::control::v1::GetResponse now;
  grpc::ClientContext get_ctx;
  if (int rc = report(stub.Get(with_deadline(get_ctx, 10), {}, &now), "get"); rc != kOk) return rc;
  const auto& groups = now.config().security_groups();
  auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.id() == group; });
  if (it == groups.end()) {
    std::cerr << "vfpathctl: " << verb << ": no security group " << group << " in generation " << now.generation() << "\n";
    return kRefused;
  }
  vfpath::config::v1::SecurityGroup edited = *it;
  if (verb == "authorize") {
    if (!vfpath::ctl::authorize(edited, a.egress, rule)) {
      std::printf("%s already allows that; nothing to push\n", group.c_str());
      return kOk;
    }
  } else if (!vfpath::ctl::revoke(edited, a.egress, rule, error)) {
    std::cerr << "vfpathctl: revoke: " << error << "\n";
    return kRefused;
  }
  vfpath::config::v1::Delta delta;
  *delta.add_upsert_security_groups() = edited;
  return push_next(stub, now.generation(), std::move(delta), verb,
                   (verb == "authorize" ? "authorized " : "revoked ") + group);
}

// block / unblock: reads the configuration in force, adds or removes the
// prefix in xdp.block and pushes the block list back as a delta against
// that generation (the XDP programs' maps change; no core stops).
int edit_block(Control::Stub& stub, const std::string& verb, const std::string& prefix) {
  vfpath::control::v1::GetResponse now;
  grpc::ClientContext get_ctx;
  if (int rc = report(stub.Get(with_deadline(get_ctx, 10), {}, &now), "get"); rc != kOk) return rc;
  vfpath::config::v1::Xdp xdp = now.config().xdp();
  auto* list = xdp.mutable_block();
  const auto at = std::find(list->begin(), list->end(), prefix);
  if (verb == "block") {
    if (at != list->end()) {
      std::printf("%s is already blocked; nothing to push\n", prefix.c_str());
      return kOk;
    }
    xdp.add_block(prefix);
  } else {
    if (at == list->end()) {
      std::cerr << "vfpathctl: unblock: " << prefix << " is not in xdp.block of generation " << now.generation() << "\n";
      return kRefused;
    }
    list->erase(at);
  }
  vfpath::config::v1::Delta delta;
  *delta.mutable_xdp() = xdp;
  return push_next(stub, now.generation(), std::move(delta), verb, (verb == "block" ? "blocked " : "unblocked ") + prefix);
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket, format, command;
  std::vector<std::string> args;
  po::options_description desc(
      "vfpathctl - control a running vfpathd\n\n"
      "Usage: vfpathctl [options] COMMAND [ARGS]\n\n"
      "Commands:\n"
      "  apply FILE   push a whole configuration (the JSON of vfpath.config.v1.Config), or with\n"
      "               --delta the objects to create, replace or delete; all or nothing:\n"
      "               every problem is listed and nothing changes\n"
      "  get          the configuration and generation in force, and the boot id (JSON)\n"
      "  stats        counters: ports, ENIs, drops by reason, network ACL hits\n"
      "  explain      what vfpathd would do with a packet from an ENI, and why:\n"
      "               explain --eni ENI --dst IP [-P tcp|udp|icmp|N] [-p PORT] [--src IP]\n"
      "  authorize GROUP [--egress] -P PROTO [-p PORTS | -t TYPE:CODE] -s CIDR | -g GROUP | --prefix-list ID\n"
      "               allow more in a security group (EC2 style: vfpathctl authorize sg-web -P tcp -p 22 -s 10.0.0.0/8)\n"
      "  revoke GROUP ...  the same arguments: remove those peers (and the rule when none is left)\n"
      "  block PREFIX / unblock PREFIX   add to or remove from xdp.block: sources the XDP program of\n"
      "               net_af_xdp ports drops before a core sees them (vfpathctl block 203.0.113.0/24)\n"
      "  conns        tracked connections: conns [--eni ENI] [--address IP] [-p PORT] [--state S] [--max N]\n"
      "  alerts       IDS alerts as Suricata EVE JSON lines: the latest (--max N, default 100),\n"
      "               with -f then every new one until interrupted\n"
      "  health       SERVING when the daemon answers\n\n"
      "Exit codes: 0 done, 1 refused by vfpathd, 2 bad usage or file, 3 vfpathd unreachable\n\n"
      "Options");
  desc.add_options()("help,h", "show this help")
      ("socket", po::value(&socket)->default_value("/run/vfpath/vfpathd.sock"), "vfpathd's control socket")
      ("tcp", po::value<std::string>(), "connect to host:port instead (vfpathd --control-tcp), with mutual TLS:")
      ("tls-ca", po::value<std::string>(), "CA (PEM) that signed vfpathd's certificate")
      ("tls-cert", po::value<std::string>(), "this client's certificate (PEM)")
      ("tls-key", po::value<std::string>(), "this client's private key (PEM)")
      ("insecure", "with --tcp: plaintext (vfpathd --control-tcp-insecure)")
      ("output,o", po::value(&format)->default_value("table"), "table or json (stats)")
      ("base-generation", po::value<uint64_t>(), "apply: refuse unless this generation is in force")
      ("delta", "apply: FILE is a delta (vfpath.config.v1.Delta: upsert_*/delete_* by id), not a whole configuration")
      ("eni", po::value<std::string>(), "explain: the sending ENI; conns: the ENI")
      ("dst", po::value<std::string>(), "explain: destination address")
      ("src", po::value<std::string>(), "explain: source address (default: the ENI's)")
      ("protocol,P", po::value<std::string>(), "explain, authorize, revoke: tcp (default), udp, icmp, icmpv6, all or a number")
      ("port,p", po::value<std::string>(), "explain: destination port (default 80); authorize/revoke: PORT or FROM-TO")
      ("egress", "authorize/revoke: an egress rule (default: ingress)")
      ("source,s", po::value<std::vector<std::string>>()->composing(), "authorize/revoke: peer CIDR (repeatable)")
      ("source-group,g", po::value<std::vector<std::string>>()->composing(), "authorize/revoke: peer security group (repeatable)")
      ("prefix-list", po::value<std::vector<std::string>>()->composing(), "authorize/revoke: peer prefix list (repeatable)")
      ("icmp,t", po::value<std::string>(), "authorize/revoke: ICMP TYPE[:CODE], -1 any")
      ("address", po::value<std::string>(), "conns: either side's address")
      ("state", po::value<std::string>(), "conns: established, syn_sent, time_wait, udp_stream, icmp, ...")
      ("max", po::value<uint32_t>(), "conns: at most this many (default 10000); alerts: the latest N (default 100)")
      ("follow,f", "alerts: keep streaming new alerts")
      ("src-port", po::value<uint32_t>(), "explain: source port (default 40000)")
      ("icmp-type", po::value<int32_t>(), "explain: ICMP type (default 8)")
      ("icmp-code", po::value<int32_t>(), "explain: ICMP code (default 0)")
      ("ttl", po::value<uint32_t>(), "explain: TTL / hop limit (default 64)");
  po::options_description hidden;
  hidden.add_options()("command", po::value(&command))("args", po::value(&args));
  po::positional_options_description pos;
  pos.add("command", 1).add("args", -1);
  po::options_description all;
  all.add(desc).add(hidden);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "vfpathctl: " << e.what() << " (see --help)\n";
    return kUsage;
  }
  if (vm.count("help") || command.empty()) {
    std::cout << desc;
    return command.empty() && !vm.count("help") ? kUsage : kOk;
  }
  if (format != "table" && format != "json") {
    std::cerr << "vfpathctl: -o takes table or json\n";
    return kUsage;
  }
  grpc::ChannelArguments ca;
  ca.SetMaxSendMessageSize(64 * 1024 * 1024);
  ca.SetMaxReceiveMessageSize(64 * 1024 * 1024);  // `get` of a configuration with large rule sets
  std::string target = "unix:" + socket;
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (vm.count("tcp")) {
    target = vm["tcp"].as<std::string>();
    if (!vm.count("insecure")) {
      auto pem = [&](const char* opt) -> std::string {
        if (!vm.count(opt)) return "";
        std::ifstream in(vm[opt].as<std::string>());
        if (!in) throw std::runtime_error(std::string("cannot read --") + opt + " " + vm[opt].as<std::string>());
        std::stringstream b;
        b << in.rdbuf();
        return b.str();
      };
      grpc::SslCredentialsOptions tls;
      try {
        tls.pem_root_certs = pem("tls-ca");
        tls.pem_cert_chain = pem("tls-cert");
        tls.pem_private_key = pem("tls-key");
      } catch (const std::exception& e) {
        std::cerr << "vfpathctl: " << e.what() << "\n";
        return kUsage;
      }
      creds = grpc::SslCredentials(tls);
    }
  }
  auto channel = grpc::CreateCustomChannel(target, creds, ca);
  auto stub = Control::NewStub(channel);
  if (command == "apply" && args.size() == 1) return apply(*stub, args[0], vm);
  if (command == "get" && args.empty()) return get(*stub);
  if (command == "stats" && args.empty()) return stats(*stub, format);
  if (command == "health" && args.empty()) return health(channel);
  if (command == "explain" && args.empty()) return explain(*stub, vm, format);
  if (command == "conns" && args.empty()) return conns(*stub, vm, format);
  if (command == "alerts" && args.empty()) return alerts(*stub, vm);
  if ((command == "authorize" || command == "revoke") && args.size() == 1) return edit_group(*stub, command, args[0], vm);
  if ((command == "block" || command == "unblock") && args.size() == 1) return edit_block(*stub, command, args[0]);
  std::cerr << "vfpathctl: unknown command or wrong arguments: " << command << " (see --help)\n";
  return kUsage;
}
