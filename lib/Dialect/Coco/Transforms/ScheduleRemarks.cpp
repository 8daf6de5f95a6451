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
/// `coco-split` one.
remark::RemarkOpts options(Operation *op, StringRef name, StringRef category) {
  return remark::RemarkOpts::name(name).category(category).function(
      functionOf(op));
}

/// Categories live as long as the context (RemarkOpts holds a StringRef).
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
thread_local mlir::coco::HeldAppliedRemarks *innermostHold = nullptr;

void reportApplied(const mlir::coco::HeldAppliedRemarks::Held &remark) {
  remark::passed(remark.loc, remark::RemarkOpts::name("applied")
                                 .category(remark.category)
                                 .function(remark.function))
      << remark.text;
}
} // namespace

mlir::coco::HeldAppliedRemarks::HeldAppliedRemarks() : outer(innermostHold) {
  innermostHold = this;
}
mlir::coco::HeldAppliedRemarks::~HeldAppliedRemarks() { innermostHold = outer; }
void mlir::coco::HeldAppliedRemarks::commit() {
  for (Held &remark : held) {
    if (outer)
      outer->held.push_back(std::move(remark));
    else
      reportApplied(remark);
  }
  held.clear();
}

void mlir::coco::remarkApplied(Operation *op, StringRef schedule,
                               const Twine &what) {
  if (QuietScheduleRemarks::active())
    return;
  // (The function's name lives as long as the context, as a StringAttr.)
  StringRef function =
      StringAttr::get(op->getContext(), functionOf(op)).getValue();
  HeldAppliedRemarks::Held remark{op->getLoc(), categoryOf(op, schedule),
                                  function, what.str()};
  if (innermostHold)
    innermostHold->held.push_back(std::move(remark));
  else
    reportApplied(remark);
}

void mlir::coco::remarkNotApplied(Operation *op, StringRef schedule,
                                  const Twine &why) {
  if (QuietScheduleRemarks::active())
    return;
  remark::missed(op->getLoc(),
                 options(op, "not-applied", categoryOf(op, schedule)))
      << why.str();
}

void mlir::coco::remarkNotApplied(Location loc, StringRef schedule,
                                  const Twine &why) {
  if (QuietScheduleRemarks::active())
    return;
  MLIRContext *context = loc.getContext();
  StringRef category = StringAttr::get(context, "coco-" + schedule).getValue();
  remark::missed(loc, remark::RemarkOpts::name("not-applied")
                          .category(category)
                          .function(StringRef()))
      << why.str();
}

void mlir::coco::warnNotApplied(Operation *op, StringRef schedule,
                                const Twine &why) {
  if (QuietScheduleRemarks::active())
    return;
  op->emitWarning() << "coco-" << schedule
                    << " was requested but does not apply here: " << why;
  remarkNotApplied(op, schedule, why);
}
