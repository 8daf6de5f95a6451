//===- ScheduleRemarks.cpp - every schedule decision, explained -----------===//
//
// One place that turns a schedule's decision into an MLIR remark, so that
// all of them share categories named after the schedules' passes
// ("coco-split", ...) and the remark names "applied" / "not-applied" that
// coco-compile --explain and the remark filters select on.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "mlir/IR/Remarks.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;

namespace {
/// The function `op` is in (or is), for the remark's Function field.
StringRef functionOf(Operation *op) {
  auto function = dyn_cast<FunctionOpInterface>(op);
  if (!function)
    function = op->getParentOfType<FunctionOpInterface>();
  return function ? function.getName() : StringRef();
}

/// The category is the schedule's pass name ("coco-split"): the remark
/// filters match whole categories, so `coco-.*` selects every schedule and
/// `coco-split` one. Categories live as long as the context (RemarkOpts
/// holds a StringRef).
StringRef categoryOf(Operation *op, StringRef schedule) {
  return StringAttr::get(op->getContext(), "coco-" + schedule).getValue();
}
} // namespace

std::string mlir::coco::printed(Type type) {
  std::string text;
  llvm::raw_string_ostream(text) << type;
  return text;
}

namespace {
thread_local int quietDepth = 0;
} // namespace

mlir::coco::QuietScheduleRemarks::QuietScheduleRemarks() { ++quietDepth; }
mlir::coco::QuietScheduleRemarks::~QuietScheduleRemarks() { --quietDepth; }
bool mlir::coco::QuietScheduleRemarks::active() { return quietDepth > 0; }

namespace {
thread_local mlir::coco::HeldScheduleRemarks *innermostHold = nullptr;
thread_local mlir::coco::RouteDetachedScheduleRemarks *innermostRoute = nullptr;
} // namespace

mlir::coco::RouteDetachedScheduleRemarks::RouteDetachedScheduleRemarks(
    Operation *payload, Hold hold)
    : payload(payload), hold(std::move(hold)), outer(innermostRoute) {
  innermostRoute = this;
}

mlir::coco::RouteDetachedScheduleRemarks::~RouteDetachedScheduleRemarks() {
  innermostRoute = outer;
}

void mlir::coco::HeldScheduleRemarks::report(Held &remark) {
  if (innermostHold) {
    innermostHold->held.push_back(std::move(remark));
    return;
  }
  if (remark.applied && remark.detachedScope && innermostRoute) {
    innermostRoute->hold(remark.detachedScope, remark);
    return;
  }
  auto options =
      remark::RemarkOpts::name(remark.applied ? "applied" : "not-applied")
          .category(remark.category)
          .function(remark.function);
  if (remark.applied)
    remark::passed(remark.loc, options) << remark.text;
  else
    remark::missed(remark.loc, options) << remark.text;
}

mlir::coco::HeldScheduleRemarks::HeldScheduleRemarks() : outer(innermostHold) {
  innermostHold = this;
}

mlir::coco::HeldScheduleRemarks::~HeldScheduleRemarks() {
  innermostHold = outer;
  // Not committed: what was not applied still holds.
  for (Held &remark : held)
    if (!remark.applied)
      report(remark);
}

void mlir::coco::HeldScheduleRemarks::commit() {
  innermostHold = outer;
  for (Held &remark : held)
    report(remark);
  held.clear();
  innermostHold = this;
}

void mlir::coco::remarkApplied(Operation *op, StringRef schedule,
                               const Twine &what) {
  if (QuietScheduleRemarks::active())
    return;
  // (The function's name lives as long as the context, as a StringAttr.)
  HeldScheduleRemarks::Held remark{
      /*applied=*/true, op->getLoc(), categoryOf(op, schedule),
      StringAttr::get(op->getContext(), functionOf(op)).getValue(), what.str()};
  // Outside the payload (not only another root: the payload may be a
  // module inside the file's, with --transform-interpreter's
  // debug-payload-root-tag).
  if (innermostRoute && !innermostRoute->payload->isAncestor(op)) {
    Operation *scope = op;
    while (Operation *parent = scope->getParentOp())
      scope = parent;
    remark.detachedScope = scope;
  }
  HeldScheduleRemarks::report(remark);
}

void mlir::coco::remarkNotApplied(Operation *op, StringRef schedule,
                                  const Twine &why) {
  if (QuietScheduleRemarks::active())
    return;
  HeldScheduleRemarks::Held remark{
      /*applied=*/false, op->getLoc(), categoryOf(op, schedule),
      StringAttr::get(op->getContext(), functionOf(op)).getValue(), why.str()};
  HeldScheduleRemarks::report(remark);
}

void mlir::coco::remarkNotApplied(Location loc, StringRef schedule,
                                  const Twine &why) {
  if (QuietScheduleRemarks::active())
    return;
  MLIRContext *context = loc.getContext();
  HeldScheduleRemarks::Held remark{
      /*applied=*/false, loc,
      StringAttr::get(context, "coco-" + schedule).getValue(), StringRef(),
      why.str()};
  HeldScheduleRemarks::report(remark);
}

void mlir::coco::warnNotApplied(Operation *op, StringRef schedule,
                                const Twine &why) {
  if (QuietScheduleRemarks::active())
    return;
  op->emitWarning() << "coco-" << schedule
                    << " was requested but does not apply here: " << why;
  remarkNotApplied(op, schedule, why);
}
