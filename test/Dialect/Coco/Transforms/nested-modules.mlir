// RUN: coco-opt %s --split-input-file -verify-diagnostics --coco-localize
// RUN: coco-opt %s --split-input-file -verify-diagnostics --coco-lower-to-cpu
// RUN: %if gpu-toolchain %{ coco-opt %s --split-input-file -verify-diagnostics --coco-lower-to-gpu %}
// RUN: coco-opt %s --split-input-file -verify-diagnostics --coco-shard-state=args=m
// RUN: coco-opt %s --split-input-file -verify-diagnostics "--coco-autoschedule=profile=%S/Inputs/memory-bound.json ranks=2"
// RUN: coco-opt %s --split-input-file -verify-diagnostics "--coco-predict=profile=%S/Inputs/memory-bound.json ranks=2"
// The expectations blanked (lines kept): they are what the runs above see.
// RUN: sed 's/expected-error.*//' %s > %t.mlir
// RUN: not coco-opt %t.mlir --split-input-file --pass-pipeline='builtin.module(builtin.module(coco-lower-to-cpu))' 2> %t.err | FileCheck %s --check-prefix=ANCHORED
// RUN: FileCheck %s --input-file=%t.err --check-prefix=TOOHIGH

// coco's module passes work on the functions of the module they run on. A
// nested module is a scope of its own (its grid is its symbol): its coco ops
// are not reached, and used to make a later pass fail without saying why
// ("failed to legalize operation 'bufferization.to_buffer'") or shard-state
// say that no argument has coco.name "m". Each pass now names the module to
// anchor it on. Anchored there, the pipeline lowers it (ANCHORED); anchored
// one level too high, it names the module one level down.

// ANCHORED: module @inner
// ANCHORED-NOT: {{(= |^ +)coco\.}}
// ANCHORED: llvm.func @coco.fn.step
// ANCHORED: llvm.call @coco_rt_all_reduce
// ANCHORED-NOT: {{(= |^ +)coco\.}}
// TOOHIGH: nested-modules.mlir.tmp.mlir:[[#@LINE+28]]:5: error: coco-localize works on the functions of the module it runs on
// TOOHIGH-NEXT: module @deep

module {
  // expected-error-re @+1 {{coco-{{(localize|shard-state|autoschedule|predict)}} works on the functions of the module it runs on; this nested module's coco ops are not reached: anchor the pass or pipeline on this module (one builtin.module(...) per level of nesting, e.g. for one level --pass-pipeline='builtin.module(builtin.module(coco-lower-to-cpu))')}}
  module @inner {
    coco.grid @dp(shape = [2])
    func.func @step(%w: !coco.dtensor<1024xf32, replicated on @dp>,
                    %g: !coco.dtensor<1024xf32, local on @dp>,
                    %m: !coco.dtensor<1024xf32, replicated on @dp> {coco.name = "m"}) {
      %s = coco.all_reduce sum %g : !coco.dtensor<1024xf32, local on @dp>
      %mn = coco.add %m, %s : !coco.dtensor<1024xf32, replicated on @dp>, !coco.dtensor<1024xf32, replicated on @dp>
      %wn = coco.sub %w, %mn : !coco.dtensor<1024xf32, replicated on @dp>, !coco.dtensor<1024xf32, replicated on @dp>
      coco.update %w, %wn : !coco.dtensor<1024xf32, replicated on @dp>
      coco.update %m, %mn : !coco.dtensor<1024xf32, replicated on @dp>
      return
    }
  }
}

// -----

// Two levels down: the module named is the one whose own ops are coco's, not
// the one between.
module {
  module @outer {
    func.func private @host()
    // expected-error-re @+1 {{coco-{{.*}} works on the functions of the module it runs on}}
    module @deep {
      coco.grid @dp(shape = [2])
      // A declaration: only its signature names coco.
      func.func private @step(!coco.dtensor<8xf32, local on @dp> {coco.name = "m"})
    }
  }
}
