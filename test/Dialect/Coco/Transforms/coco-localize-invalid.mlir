// RUN: coco-opt %s --coco-localize --split-input-file -verify-diagnostics

// A signature naming a grid the module does not declare cannot be localized.
// No coco op sees an unused argument: the grids check the signatures beside
// them (GridOp's verifier), so the verifier reports it before coco-localize.
coco.grid @dp(shape = [?])
// expected-error @+1 {{'func.func' op argument 0 has type '!coco.dtensor<4xf32, local on @tp>', whose grid @tp does not exist}}
func.func @f(%x: !coco.dtensor<4xf32, local on @tp>) {
  return
}

// -----

// Declarations are checked too (their types appear in no block).
coco.grid @dp(shape = [?])
// expected-error @+1 {{'func.func' op argument 0 has type '!coco.dtensor<4xf32, local on @dp[3]>', which places the tensor on 4 axes, but grid @dp has 1}}
func.func private @g(!coco.dtensor<4xf32, local on @dp[3]>)

// -----

// A function value over distributed tensors would keep its global-view type
// while the function it names becomes rank-local: refused by name.
coco.grid @dp(shape = [2])
func.func private @helper(%x: !coco.dtensor<8xf32, replicated on @dp>) -> !coco.dtensor<8xf32, replicated on @dp> {
  return %x : !coco.dtensor<8xf32, replicated on @dp>
}
func.func @step(%x: !coco.dtensor<8xf32, replicated on @dp>) -> !coco.dtensor<8xf32, replicated on @dp> {
  // expected-error @+1 {{'func.constant' op uses a function value of type '(!coco.dtensor<8xf32, replicated on @dp>) -> !coco.dtensor<8xf32, replicated on @dp>': an indirect call over distributed tensors cannot be made rank-local; call the function directly}}
  %f = func.constant @helper : (!coco.dtensor<8xf32, replicated on @dp>) -> !coco.dtensor<8xf32, replicated on @dp>
  %r = func.call_indirect %f(%x) : (!coco.dtensor<8xf32, replicated on @dp>) -> !coco.dtensor<8xf32, replicated on @dp>
  return %r : !coco.dtensor<8xf32, replicated on @dp>
}

// -----

// The same for a function value passed in as an argument: its first use is
// reported (ops are visited before the function holding them), and an
// unused one at the function.
coco.grid @dp(shape = [2])
func.func @apply(%f: (!coco.dtensor<8xf32, replicated on @dp>) -> (), %x: !coco.dtensor<8xf32, replicated on @dp>) {
  // expected-error @+1 {{'func.call_indirect' op uses a function value of type '(!coco.dtensor<8xf32, replicated on @dp>) -> ()': an indirect call over distributed tensors cannot be made rank-local; call the function directly}}
  func.call_indirect %f(%x) : (!coco.dtensor<8xf32, replicated on @dp>) -> ()
  return
}

// -----

coco.grid @dp(shape = [2])
// expected-error @+1 {{'func.func' op uses a function value of type '(!coco.dtensor<8xf32, replicated on @dp>) -> ()': an indirect call over distributed tensors cannot be made rank-local; call the function directly}}
func.func private @unused(%f: (!coco.dtensor<8xf32, replicated on @dp>) -> ())

// -----

// Function values over rank-local tensors are left alone.
coco.grid @dp(shape = [2])
func.func private @plain(%x: tensor<8xf32>) -> tensor<8xf32> {
  return %x : tensor<8xf32>
}
func.func @keep(%x: tensor<8xf32>) -> tensor<8xf32> {
  %f = func.constant @plain : (tensor<8xf32>) -> tensor<8xf32>
  %r = func.call_indirect %f(%x) : (tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// A function type nested in another (a function returning one) is found
// too, in a declaration's results.
coco.grid @dp(shape = [2])
// expected-error @+1 {{'func.func' op uses a function value of type '() -> ((!coco.dtensor<8xf32, replicated on @dp>) -> ())': an indirect call over distributed tensors cannot be made rank-local; call the function directly}}
func.func private @maker() -> (() -> ((!coco.dtensor<8xf32, replicated on @dp>) -> ()))

// -----

// Carried through a loop: reported at the innermost op that holds it (ops
// are visited before the ops around them).
coco.grid @dp(shape = [2])
func.func @carry(%f: (!coco.dtensor<8xf32, replicated on @dp>) -> (), %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%g = %f) -> ((!coco.dtensor<8xf32, replicated on @dp>) -> ()) {
    // expected-error @+1 {{'scf.yield' op uses a function value of type '(!coco.dtensor<8xf32, replicated on @dp>) -> ()': an indirect call over distributed tensors cannot be made rank-local; call the function directly}}
    scf.yield %g : (!coco.dtensor<8xf32, replicated on @dp>) -> ()
  }
  return
}

// -----

// A branch to a block with distributed arguments: refused at the branch,
// with the ops distributed tensors may flow through (the conversion would
// only say that the function failed to legalize).
coco.grid @dp(shape = [4])
func.func @branches(%w: !coco.dtensor<16xf32, replicated on @dp>, %g: !coco.dtensor<16xf32, local on @dp>, %c: i1) -> !coco.dtensor<16xf32, replicated on @dp> {
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  %s = coco.all_reduce sum %g : !coco.dtensor<16xf32, local on @dp>
  // expected-error @+1 {{'cf.br' op carries '!coco.dtensor<16xf32, replicated on @dp>', which coco-localize cannot make rank-local through this op: distributed tensors may flow through coco ops, func.func, func.call, func.return, scf.for, scf.if, scf.index_switch and scf.while, not through branches between blocks or other ops}}
  cf.br ^bb3(%s : !coco.dtensor<16xf32, replicated on @dp>)
^bb2:
  cf.br ^bb3(%w : !coco.dtensor<16xf32, replicated on @dp>)
^bb3(%x: !coco.dtensor<16xf32, replicated on @dp>):
  return %x : !coco.dtensor<16xf32, replicated on @dp>
}

// -----

// The same for structured ops the conversion has no pattern for.
coco.grid @dp(shape = [2])
func.func @region(%w: !coco.dtensor<8xf32, replicated on @dp>) -> !coco.dtensor<8xf32, replicated on @dp> {
  // expected-error @+1 {{'scf.execute_region' op carries '!coco.dtensor<8xf32, replicated on @dp>', which coco-localize cannot make rank-local through this op}}
  %r = scf.execute_region -> !coco.dtensor<8xf32, replicated on @dp> {
    scf.yield %w : !coco.dtensor<8xf32, replicated on @dp>
  }
  return %r : !coco.dtensor<8xf32, replicated on @dp>
}

// -----

// Upstream's sharding left in the input (not imported): refused by name
// before anything runs on it (upstream's canonicalization of a sharding
// whose halo is -2^63 aborted coco-lower-to-cpu).
// expected-error @+1 {{is upstream's sharding, which coco lowers only once imported: run sharding-propagation, shard-partition and convert-shard-to-coco first}}
shard.grid @grid(shape = 2)
func.func @halo(%b: tensor<8xf32>) {
  %s = shard.sharding @grid split_axes = [[0]] halo_sizes = [-9223372036854775808, 1] : !shard.sharding
  %b1 = shard.shard %b to %s : tensor<8xf32>
  return
}
