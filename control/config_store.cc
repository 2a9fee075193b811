#include "control/config_store.h"

#include <chrono>

#include "control/delta.h"
#include "control/overlay_config.h"
#include "control/model.h"

namespace vfpath::control {

ConfigStore::ConfigStore(config::v1::Config initial, PortIds ports, SnapshotPublisher& publisher,
                         const CounterSet& counters, IdsCompileSettings ids)
    : current_(std::move(initial)), ports_(std::move(ports)), publisher_(publisher), counters_(counters),
      overlay_(underlay_max_mappings(current_.underlay())) {
  cache_.ids = std::move(ids);
  ModelBuild built = build_model(current_);
  if (!built.problems.empty())
    throw CompileError("the configuration has " + std::to_string(built.problems.size()) + " problem(s), the first: " +
                       built.problems.front().to_string());
  compile_and_publish(built.model);
}

SnapshotPublisher::Published ConfigStore::compile_and_publish(const Model& model) {
  OverlayState::Plan overlay = overlay_.plan(model);
  AddressSetState::Plan sets = sets_.plan(model);
  std::unique_ptr<Snapshot> snapshot;
  SlotAssignments slots;
  try {
    snapshot = compile_snapshot(model, ports_, overlay.binding, sets.binding, &cache_);
    slots = assign_counter_slots(*snapshot, eni_slots_, hit_slots_, counters_);
  } catch (const CompileError&) {
    cache_.rollback();
    throw;
  } catch (const std::runtime_error& e) {  // counter slots ran out
    cache_.rollback();
    throw CompileError(e.what());
  } catch (...) {
    cache_.rollback();
    throw;
  }
  // The tables go first: the new snapshot's VPC and set keys must find
  // their entries; the old snapshot meets at worst a mapping it has no
  // template for (resolve_remote treats it as not mapped yet) or one fewer,
  // and its set rules meet the new members a moment early.
  overlay_.apply(std::move(overlay));
  sets_.apply(std::move(sets));
  const Snapshot* published_snapshot = snapshot.get();
  const SnapshotPublisher::Published published = publisher_.publish(std::move(snapshot));
  // The store's lock keeps it current (only this store publishes): it is
  // not freed while the listener reads it.
  listener_error_.clear();
  if (listener_) {
    try {
      listener_(*published_snapshot);
    } catch (const std::exception& e) {
      listener_error_ = e.what();
    }
  }
  cache_.sweep();
  eni_slots_.commit(std::move(slots.enis));
  hit_slots_.commit(std::move(slots.nacl_hits));
  return published;
}

void ConfigStore::on_publish(std::function<void(const Snapshot&)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
  if (listener_) publisher_.with_current([&](const Snapshot* s) {
      if (s) listener_(*s);
    });
}

config::v1::Config ConfigStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::vector<std::string> ConfigStore::port_changes(const config::v1::Config& next) const {
  std::vector<std::string> problems;
  auto describe = [](const config::v1::Port& p) { return p.name() + " " + p.devargs() + " " + config::v1::PortRole_Name(p.role()); };
  bool same = next.ports_size() == current_.ports_size();
  for (int i = 0; same && i < next.ports_size(); ++i) same = describe(next.ports(i)) == describe(current_.ports(i));
  if (!same)
    problems.push_back("ports: ports are fixed while the daemon runs (they are DPDK devices probed at start-up); "
                       "push the same ports list, or restart vfpathd to change it");
  auto capacity = [](const config::v1::Config& c) { return c.conntrack().capacity() ? c.conntrack().capacity() : kDefaultConntrackCapacity; };
  if (capacity(next) != capacity(current_))
    problems.push_back("conntrack.capacity: the connection tables are allocated at start-up (" +
                       std::to_string(capacity(current_)) + " connections); push the same capacity, or restart vfpathd to change it");
  auto offload = [](const config::v1::Config& c) { return c.underlay().udp_checksum() == config::v1::Underlay::OFFLOAD; };
  if (offload(next) != offload(current_))
    problems.push_back("underlay.udp_checksum: OFFLOAD is set up on the uplink port at start-up; "
                       "restart vfpathd to switch to or from it");
  if (underlay_max_mappings(next.underlay()) != overlay_.capacity())
    problems.push_back("underlay.max_mappings: the mapping table is sized at start-up (" +
                       std::to_string(overlay_.capacity()) + " entries); restart vfpathd to change it");
  return problems;
}

ApplyOutcome ConfigStore::apply(const config::v1::Config& next, std::optional<uint64_t> base) {
  std::lock_guard lock(mutex_);
  return apply_locked(next, base, {});
}

ApplyOutcome ConfigStore::apply_delta(const config::v1::Delta& delta, std::optional<uint64_t> base) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> problems;
  config::v1::Config next = control::apply_delta(current_, delta, problems);
  return apply_locked(next, base, std::move(problems));
}

ApplyOutcome ConfigStore::apply_locked(const config::v1::Config& next, std::optional<uint64_t> base,
                                       std::vector<std::string> problems) {
  auto t0 = std::chrono::steady_clock::now();
  ApplyOutcome out;
  out.problems = std::move(problems);
  out.generation = current_.generation();
  if (base && *base != current_.generation()) {
    out.status = ApplyOutcome::Status::kStale;
    out.problems.clear();
    out.problems.push_back("base generation " + std::to_string(*base) + " is not the one in force (" +
                           std::to_string(current_.generation()) + "): read it again with Get and retry");
    return out;
  }
  if (next.generation() <= current_.generation())
    out.problems.push_back("generation: " + std::to_string(next.generation()) +
                           " must be higher than the one in force (" + std::to_string(current_.generation()) + ")");
  // Parsed once: the problems come from building the model, and the same
  // model is what gets compiled.
  ModelBuild built = build_model(next);
  for (const auto& e : built.problems) out.problems.push_back(e.to_string());
  for (auto& p : port_changes(next)) out.problems.push_back(std::move(p));
  if (!out.problems.empty()) {
    out.status = ApplyOutcome::Status::kInvalid;
    return out;
  }
  if (!publisher_.can_publish()) {
    out.status = ApplyOutcome::Status::kUnavailable;
    out.problems.push_back(std::to_string(publisher_.retired()) +
                           " earlier snapshots are still kept for a worker that has not passed a quiescent state "
                           "since (stalled): nothing applied until it recovers");
    return out;
  }
  SnapshotPublisher::Published published;
  try {
    published = compile_and_publish(built.model);
  } catch (const CompileError& e) {
    out.status = ApplyOutcome::Status::kInvalid;
    out.problems.push_back(e.what());
    return out;
  }
  current_ = next;
  out.generation = next.generation();
  if (!listener_error_.empty())
    out.problems.push_back("generation " + std::to_string(next.generation()) +
                           " is in force on the workers, but what follows it beside them was not all updated: " +
                           listener_error_);
  if (published == SnapshotPublisher::Published::kPending) {
    out.status = ApplyOutcome::Status::kUnacknowledged;
    out.problems.push_back(
        "generation " + std::to_string(next.generation()) +
        " is published and in force on the workers that run, but a worker has not acknowledged it within " +
        std::to_string(publisher_.grace().count()) +
        " ms (stalled?); the previous snapshot is kept until it does");
  }
  out.micros = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
  return out;
}

}  // namespace vfpath::control
