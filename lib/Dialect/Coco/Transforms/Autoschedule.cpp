//===- Autoschedule.cpp - the schedule the cost model predicts fastest ----===//
//
// The all_reduces of a module fall into classes: those of one input type,
// reduction and grid axes, and one kind of producer (a matmul or not). An
// optimizer step's parameters of one shape form a class; a bias and a
// weight matrix are two. Class by class, in program order, each candidate
// schedule is applied to the class's all_reduces on a copy of the program
// as chosen so far (remarks and diagnostics held back), the cost model
// prices the whole copy, and the cheapest candidate is kept. Then the
// choices are applied to the module itself, with the schedules' own
// remarks, after a remark per class that ranks its candidates and one per
// function that sums up.
//
//===----------------------------------------------------------------------===//

#include "coco/CostModel/ProgramCost.h"
#include "coco/Dialect/Coco/Transforms/NestedModules.h"
#include "coco/Dialect/Coco/Transforms/Passes.h"
#include "coco/Dialect/Coco/Transforms/Schedules.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOAUTOSCHEDULEPASS
#include "coco/Dialect/Coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;
using namespace mlir::coco;

namespace {

/// A way to schedule one class of all_reduces.
struct Candidate {
  enum Kind { AllReduce, Split, Hierarchical, Overlap };
  Kind kind = AllReduce;
  /// Split: the reduce_scatters marked for fusion; with shard-state of the
  /// caller's state arguments that the split leaves sliced. Split and
  /// hierarchical: the norms of replicated values kept whole (reorder's
  /// norms-from-slices=false: one scalar all_reduce fewer, the whole tensor
  /// read).
  bool fused = false, shardState = false, wholeNorms = false;
  /// Fused: the exchange kept whole (kExchangeWholeAttr) where the
  /// pipeline would cut it into chunks (coco-chunk-exchange).
  bool wholeExchange = false;
  /// Hierarchical: the inner axis. Overlap: the chunks.
  int64_t inner = 0, chunks = 0;

  /// `sharded`: the state arguments shard-state kept sliced, once known.
  std::string name(StringRef sharded = {}) const {
    switch (kind) {
    case AllReduce:
      return "AR-C";
    case Split:
      return std::string(fused ? "fuse(RS-C-AG)" : "RS-C-AG") +
             (shardState ? "+shard-state" : "") +
             (sharded.empty() ? "" : "(" + sharded.str() + ")") +
             (wholeNorms ? "+whole-norms" : "") +
             (wholeExchange ? "+whole-exchange" : "");
    case Hierarchical:
      return llvm::formatv("hierarchical(inner={0})+reorder{1}", inner,
                           wholeNorms ? "+whole-norms" : "");
    case Overlap:
      return llvm::formatv("ol(MM,AR)-C x{0}", chunks);
    }
    llvm_unreachable("unknown candidate");
  }
};

/// The class of an all_reduce: what it reduces, how, along which axes, and
/// whether a matmul produces it (the overlap candidates).
std::string classOf(AllReduceOp op) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << printed(op.getInput().getType()) << " "
     << stringifyReductionKind(op.getKind()) << " along "
     << describeAxes(cast<CollectiveOpInterface>(*op).getCommAxes())
     << (op.getInput().getDefiningOp<MatmulOp>() ? " of a matmul" : "");
  return key;
}

SmallVector<AllReduceOp> membersOf(ModuleOp module, StringRef key) {
  SmallVector<AllReduceOp> members;
  module.walk([&](AllReduceOp op) {
    if (classOf(op) == key)
      members.push_back(op);
  });
  return members;
}

std::string milliseconds(double seconds) {
  return llvm::formatv("{0:f3} ms", seconds * 1e3).str();
}

struct CocoAutoschedulePass
    : public coco::impl::CocoAutoschedulePassBase<CocoAutoschedulePass> {
  using CocoAutoschedulePassBase::CocoAutoschedulePassBase;

  /// How the pipeline will lower the program, as the options say.
  cost::Lowering lowering() const {
    return {fuseElementwise, overlapChunks, fuseReduceScatter, fuseReductions,
            exchangeChunkBytes};
  }

  /// Shards the caller's state arguments that can now be kept sliced (and
  /// are not yet); their names.
  SmallVector<std::string> shardSlicedState(RewriterBase &rewriter,
                                            ModuleOp module) {
    SmallVector<std::string> names;
    ModuleCalls calls(module);
    for (auto function : module.getOps<func::FuncOp>())
      for (unsigned i = 0; i < function.getNumArguments(); ++i) {
        // A declaration's arguments have no uses to slice (and no body).
        if (function.isExternal())
          break;
        auto name = function.getArgAttrOfType<StringAttr>(i, "coco.name");
        if (!name || !llvm::is_contained(state, name.getValue().str()))
          continue;
        // Only an argument some op uses sliced can be kept sliced: the
        // others are not checked (a failed check prints the function into
        // its diagnostic, for every argument of every trial).
        if (llvm::none_of(function.getArgument(i).getUsers(),
                          [](Operation *user) { return isa<SliceOp>(user); }))
          continue;
        bool shardable;
        {
          // Why one cannot be sharded is no news: it is left as it is.
          ScopedDiagnosticHandler silence(
              &getContext(), [](Diagnostic &) { return success(); });
          shardable = succeeded(checkShardState(function, i, {}, &calls));
        }
        if (shardable && succeeded(shardState(rewriter, function, i)))
          names.push_back(name.getValue().str());
      }
    return names;
  }

  /// Applies `candidate` to the all_reduces of class `key` in `module`; the
  /// candidate's name as applied in `name`. Diagnostics go to the caller's
  /// handler; a failure may leave `module` changed (trials run on copies,
  /// and the module itself only gets what succeeded on a copy).
  LogicalResult applyToClass(const Candidate &candidate, ModuleOp module,
                             StringRef key, std::string &name) {
    name = candidate.name();
    SmallVector<AllReduceOp> members = membersOf(module, key);
    SymbolTableCollection symbols;
    IRRewriter rewriter(&getContext());
    switch (candidate.kind) {
    case Candidate::AllReduce:
      return success();
    case Candidate::Overlap:
      for (AllReduceOp op : members)
        if (failed(checkOverlap(op, candidate.chunks)))
          return failure();
      for (AllReduceOp op : members)
        (void)markForOverlap(rewriter, op, candidate.chunks);
      return success();
    case Candidate::Hierarchical: {
      for (AllReduceOp op : members)
        if (failed(checkHierarchicalAllReduce(op, {candidate.inner}, {}, 0)))
          return failure();
      for (AllReduceOp op : members)
        if (failed(
                hierarchicalAllReduce(rewriter, op, {candidate.inner}, {}, 0)))
          return failure();
      return reorderToFixedPoint(rewriter, module, /*axes=*/{},
                                 /*normsFromSlices=*/!candidate.wholeNorms);
    }
    case Candidate::Split: {
      for (AllReduceOp op : members)
        if (failed(checkSplitAllReduce(op, /*dim=*/0, symbols)))
          return failure();
      for (AllReduceOp op : members) {
        FailureOr<AllGatherOp> gather =
            splitAllReduce(rewriter, op, /*dim=*/0, symbols);
        if (failed(gather))
          return failure();
        auto scatter = (*gather).getInput().getDefiningOp<ReduceScatterOp>();
        if (candidate.fused &&
            (!scatter || failed(markForFusion(rewriter, scatter, symbols))))
          return failure();
        if (candidate.fused && candidate.wholeExchange)
          rewriter.modifyOpInPlace(scatter, [&] {
            scatter->setAttr(kExchangeWholeAttr, rewriter.getUnitAttr());
          });
      }
      if (failed(
              reorderToFixedPoint(rewriter, module, /*axes=*/{},
                                  /*normsFromSlices=*/!candidate.wholeNorms)))
        return failure();
      if (!candidate.shardState)
        return success();
      SmallVector<std::string> sharded = shardSlicedState(rewriter, module);
      if (sharded.empty())
        return mlir::emitError(module.getLoc())
               << "no argument of state=" << llvm::join(state, ",")
               << " can be kept sliced after the split";
      name = candidate.name(llvm::join(sharded, ","));
      return success();
    }
    }
    llvm_unreachable("unknown candidate");
  }

  /// `applyToClass` on a copy of the module (`trial`: every diagnostic
  /// held back) or on the module itself (errors held back, the schedules'
  /// warnings and remarks reported); the first error in `why`.
  LogicalResult apply(const Candidate &candidate, ModuleOp module,
                      StringRef key, bool trial, std::string &name,
                      std::string &why) {
    ScopedDiagnosticHandler capture(&getContext(), [&](Diagnostic &diag) {
      bool error = diag.getSeverity() == DiagnosticSeverity::Error;
      if (error && why.empty())
        why = diag.str();
      return success(trial || error);
    });
    return applyToClass(candidate, module, key, name);
  }

  /// The predicted time of one call of every defined function (private
  /// ones count as called once).
  FailureOr<double> predict(ModuleOp module, const cost::Model &model,
                            std::string &why, int64_t *chunked = nullptr) {
    ScopedDiagnosticHandler capture(&getContext(), [&](Diagnostic &diag) {
      if (why.empty())
        why = diag.str();
      return success();
    });
    double total = 0;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal())
        continue;
      FailureOr<cost::Estimate> estimate =
          cost::estimate(function, model, ranks, lowering(), callerBytes);
      if (failed(estimate))
        return failure();
      total += estimate->total();
      if (chunked)
        *chunked += estimate->chunkedExchanges;
    }
    return total;
  }

  /// The candidates for the class of `op`.
  SmallVector<Candidate> candidatesFor(AllReduceOp op) {
    SmallVector<Candidate> list = {Candidate{}};
    int64_t rank = op.getInput().getType().getRank();
    // Where the program has a norm, reorder may compute it from a slice:
    // priced with and without (it trades a read of the tensor for a
    // scalar all_reduce's latency).
    bool hasNorm = false;
    op->getParentOfType<ModuleOp>().walk([&](NormOp) {
      hasNorm = true;
      return WalkResult::interrupt();
    });
    if (rank > 0)
      for (bool shard : {false, true}) {
        if (shard && state.empty())
          continue;
        for (bool fused : {false, true})
          for (bool wholeNorms : {false, true}) {
            if (wholeNorms && !hasNorm)
              continue;
            Candidate split;
            split.kind = Candidate::Split;
            split.fused = fused;
            split.shardState = shard;
            split.wholeNorms = wholeNorms;
            list.push_back(split);
            // In chunks (the pipeline's exchange-chunk-bytes) or whole: more
            // calls against reading the received blocks from the cache.
            if (fused && exchangeChunkBytes > 0) {
              split.wholeExchange = true;
              list.push_back(split);
            }
          }
      }
    SmallVector<int64_t> axes = op.getCommAxes();
    if (axes.size() > 1 && rank > 0)
      for (bool wholeNorms : {false, true}) {
        if (wholeNorms && !hasNorm)
          continue;
        Candidate hierarchical;
        hierarchical.kind = Candidate::Hierarchical;
        hierarchical.inner = axes.back();
        hierarchical.wholeNorms = wholeNorms;
        list.push_back(hierarchical);
      }
    if (op.getInput().getDefiningOp<MatmulOp>())
      for (int64_t chunks : {2, 4, 8}) {
        Candidate overlap;
        overlap.kind = Candidate::Overlap;
        overlap.chunks = chunks;
        list.push_back(overlap);
      }
    return list;
  }

  /// One class's decision.
  struct Decision {
    std::string key;
    Candidate chosen;
    std::string name, ranking, skipped;
    double seconds = 0;
    size_t members = 0;
    /// Where it is reported: the class's first all_reduce in the input.
    Operation *at = nullptr;
  };

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkNoNestedCocoModule(module, "coco-autoschedule")))
      return signalPassFailure();
    // A name no argument has (a typo: state=mv) was only mentioned in a
    // remark, when no candidate could shard it: said as shard-state says it.
    // (Not in a module without functions: coco-compile checks the options
    // on an empty one.)
    bool anyFunction = !module.getOps<func::FuncOp>().empty();
    for (const std::string &name :
         anyFunction ? state : ArrayRef<std::string>()) {
      bool found = false;
      for (auto function : module.getOps<func::FuncOp>())
        for (unsigned i = 0;
             !function.isExternal() && !found && i < function.getNumArguments();
             ++i)
          if (auto given =
                  function.getArgAttrOfType<StringAttr>(i, "coco.name"))
            found = given.getValue() == name;
      if (!found) {
        mlir::emitError(module.getLoc())
            << "coco-autoschedule: state=" << name
            << ": no function argument has coco.name = \"" << name << "\"";
        return signalPassFailure();
      }
    }
    FailureOr<cost::Model> loaded = cost::loadModelFor(
        module, "coco-autoschedule", profile, ranks, lowering(), callerBytes);
    if (failed(loaded))
      return signalPassFailure();
    const cost::Model &model = *loaded;
    // A rank-local function has no global-view all_reduce to schedule: "chose
    // AR-C: no all_reduce" would read as a choice made.
    bool anyGlobal = false;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal())
        continue;
      if (!cost::isRankLocal(function)) {
        anyGlobal = true;
        continue;
      }
      function.emitWarning()
          << "coco-autoschedule chooses among schedules of coco's global "
             "view; @"
          << function.getName()
          << " is rank-local (coco.comm collectives, after coco-localize or "
             "convert-shard-to-coco): left as it is";
    }
    if (!anyGlobal && anyFunction)
      return;

    // The classes, in program order, with where each is reported.
    SmallVector<std::pair<std::string, Operation *>> classes;
    llvm::StringSet<> seen;
    module.walk([&](AllReduceOp op) {
      std::string key = classOf(op);
      if (seen.insert(key).second)
        classes.push_back({key, op});
    });

    // The program as chosen so far; class by class, each candidate on a
    // copy of it.
    OwningOpRef<ModuleOp> current = module.clone();
    SmallVector<Decision> decisions;
    double predicted = 0;
    {
      QuietScheduleRemarks quiet;
      std::string why;
      FailureOr<double> asIs = predict(*current, model, why);
      if (failed(asIs)) {
        mlir::emitError(module.getLoc())
            << "coco-autoschedule: the program cannot be "
               "priced: "
            << why;
        return signalPassFailure();
      }
      predicted = *asIs;
      for (auto [key, at] : classes) {
        struct Priced {
          Candidate candidate;
          std::string name;
          double seconds;
          OwningOpRef<ModuleOp> program;
          /// Exchanges priced in chunks.
          int64_t chunked;
        };
        auto printedProgram = [](ModuleOp program) {
          std::string text;
          llvm::raw_string_ostream os(text);
          program->print(os, OpPrintingFlags().assumeVerified());
          return text;
        };
        SmallVector<Priced> priced;
        SmallVector<std::string> skipped;
        // (An earlier class's schedule cannot remove another class's
        // all_reduces; should one, there is nothing left to choose for.)
        SmallVector<AllReduceOp> members = membersOf(*current, key);
        if (members.empty())
          continue;
        for (const Candidate &candidate : candidatesFor(members.front())) {
          OwningOpRef<ModuleOp> copy = current->clone();
          std::string name, why;
          if (failed(apply(candidate, *copy, key, /*trial=*/true, name, why))) {
            // A +whole-exchange fails where its chunked twin did: said once.
            if (candidate.wholeExchange)
              continue;
            skipped.push_back(candidate.name() + " (" +
                              (why.empty() ? "does not apply" : why) + ")");
            continue;
          }
          // +whole-norms is another program only where keeping the norms
          // whole changes something: not where shard-state computes every
          // norm from the sharded state's blocks either way. Compared as
          // printed (exact; the trial programs are small next to pricing).
          if (candidate.wholeNorms) {
            const Priced *fromSlices = llvm::find_if(priced, [&](auto &p) {
              return p.candidate.kind == candidate.kind &&
                     p.candidate.fused == candidate.fused &&
                     p.candidate.shardState == candidate.shardState &&
                     p.candidate.inner == candidate.inner &&
                     p.candidate.wholeExchange == candidate.wholeExchange &&
                     !p.candidate.wholeNorms;
            });
            if (fromSlices != priced.end() &&
                printedProgram(*copy) == printedProgram(*fromSlices->program)) {
              skipped.push_back(name + " (the same program as " +
                                fromSlices->name +
                                ": its norms come from blocks either way)");
              continue;
            }
          }
          int64_t chunked = 0;
          FailureOr<double> seconds = predict(*copy, model, why, &chunked);
          if (failed(seconds)) {
            // As above: its chunked twin says it.
            if (!candidate.wholeExchange)
              skipped.push_back(name + " (cannot be priced: " + why + ")");
            continue;
          }
          // +whole-exchange differs only where the exchange would be cut
          // into more than one chunk (its twin prices more exchanges in
          // chunks); else it is the same program, and no alternative worth
          // a word (nor is the twin of a candidate left out).
          if (candidate.wholeExchange) {
            const Priced *twin = llvm::find_if(priced, [&](auto &p) {
              Candidate same = candidate;
              same.wholeExchange = false;
              return p.candidate.kind == same.kind &&
                     p.candidate.fused == same.fused &&
                     p.candidate.shardState == same.shardState &&
                     p.candidate.wholeNorms == same.wholeNorms &&
                     !p.candidate.wholeExchange;
            });
            if (twin == priced.end() || twin->chunked == chunked)
              continue;
          }
          priced.push_back(
              {candidate, name, *seconds, std::move(copy), chunked});
        }
        // AR-C always applies and prices (the program as it is did).
        assert(!priced.empty() && "AR-C is always a candidate");
        // The fastest; on a tie the earlier (simpler) candidate.
        std::stable_sort(priced.begin(), priced.end(),
                         [](const Priced &a, const Priced &b) {
                           return a.seconds < b.seconds;
                         });
        Decision decision;
        decision.key = key;
        decision.at = at;
        decision.members = members.size();
        decision.chosen = priced.front().candidate;
        decision.name = priced.front().name;
        decision.seconds = priced.front().seconds;
        for (const Priced &entry : priced)
          decision.ranking += (decision.ranking.empty() ? "" : ", ") +
                              entry.name + " " + milliseconds(entry.seconds);
        decision.skipped = llvm::join(skipped, "; ");
        predicted = decision.seconds;
        current = std::move(priced.front().program);
        decisions.push_back(std::move(decision));
      }
    }

    // The remarks: the sum-up at the functions that communicate (the
    // module's first function if none does), then one per class at its
    // first all_reduce, with the ranking.
    std::string with = " with " + model.getProfile().name;
    auto describe = [](const Decision &decision) {
      return llvm::formatv("{0} all_reduce{1} of {2}", decision.members,
                           decision.members == 1 ? "" : "s", decision.key)
          .str();
    };
    std::string summary;
    if (decisions.empty()) {
      summary = "chose AR-C: no all_reduce to schedule; predicted " +
                milliseconds(predicted) + " per step" + with;
    } else if (decisions.size() == 1) {
      const Decision &only = decisions.front();
      summary = "chose " + only.name + ": predicted " +
                milliseconds(only.seconds) + " per step" + with +
                " (ranking: " + only.ranking + ")";
      if (!only.skipped.empty())
        summary += "; left out: " + only.skipped;
    } else {
      SmallVector<std::string> choices;
      for (const Decision &decision : decisions)
        choices.push_back(decision.name + " for " + describe(decision));
      summary = "chose " + llvm::join(choices, "; ") + ": predicted " +
                milliseconds(predicted) + " per step" + with;
    }
    bool reported = false;
    for (auto function : module.getOps<func::FuncOp>())
      if (!function.isExternal() && !cost::isRankLocal(function) &&
          function
              .walk(
                  [](CollectiveOpInterface) { return WalkResult::interrupt(); })
              .wasInterrupted()) {
        remarkApplied(function, "autoschedule", summary);
        reported = true;
      }
    if (!reported)
      for (auto function : module.getOps<func::FuncOp>())
        if (!cost::isRankLocal(function)) {
          remarkApplied(function, "autoschedule", summary);
          break;
        }
    for (const Decision &decision : decisions) {
      std::string message = "chose " + decision.name + " for " +
                            describe(decision) + ": predicted " +
                            milliseconds(decision.seconds) +
                            " per step (ranking: " + decision.ranking + ")";
      if (!decision.skipped.empty())
        message += "; left out: " + decision.skipped;
      remarkApplied(decision.at, "autoschedule", message);
    }

    // The choices, on the module itself.
    for (const Decision &decision : decisions) {
      std::string name, why;
      if (failed(apply(decision.chosen, module, decision.key,
                       /*trial=*/false, name, why))) {
        mlir::emitError(module.getLoc())
            << "coco-autoschedule: applying " << decision.name
            << " to the all_reduces of " << decision.key << " failed: " << why;
        return signalPassFailure();
      }
    }
  }
};
} // namespace
