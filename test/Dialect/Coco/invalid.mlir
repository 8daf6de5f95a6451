// RUN: coco-opt %s -split-input-file -verify-diagnostics

// One case per error the coco verifiers (and the dtensor type parser) give.
coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
// expected-error @+1 {{dimensions must be static and positive, got 0}}
func.func private @f(!coco.dtensor<0xf32, local on @dp>)

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
// expected-error @+1 {{element type must be a float or integer type, got 'index'}}
func.func private @f(!coco.dtensor<4xindex, local on @dp>)

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
// expected-error @+1 {{integer element types must be signless, got 'si32'}}
func.func private @f(!coco.dtensor<4xsi32, local on @dp>)

// -----

// Only the element types the runtime carries (collectives, host programs,
// libraries): no f80, i16, f8.
coco.grid @dp(shape = [?])
// expected-error @+1 {{element type 'f80' is not one the runtime carries (f32, f64, f16, bf16, i32, i64, i8, i1)}}
func.func private @f(!coco.dtensor<8xf80, replicated on @dp>)

// -----

coco.grid @dp(shape = [?])
// expected-error @+1 {{element type 'i16' is not one the runtime carries}}
func.func private @f(!coco.dtensor<8xi16, local on @dp>)

// -----

// Scalars too: an f8 or i16 scalar has no lowering in the loops, the host
// programs or the library entries.
coco.grid @dp(shape = [?])
func.func @f8_scalar(%w: !coco.dtensor<8xf32, replicated on @dp>, %s: f8E4M3FN) {
  // expected-error @+1 {{'coco.mul' op operand #1 must be distributed tensor or scalar of a type the runtime carries (f32, f64, f16, bf16, i32, i64, i8, i1), but got 'f8E4M3FN'}}
  %0 = coco.mul %w, %s : !coco.dtensor<8xf32, replicated on @dp>, f8E4M3FN
  return
}

// -----

coco.grid @dp(shape = [?])
func.func @i16_scalar(%c: !coco.dtensor<8xi1, replicated on @dp>, %w: !coco.dtensor<8xi32, replicated on @dp>, %s: i16) {
  // expected-error @+1 {{'coco.select' op operand #1 must be distributed tensor or scalar of a type the runtime carries}}
  %0 = coco.select %c, %s, %w : !coco.dtensor<8xi1, replicated on @dp>, i16, !coco.dtensor<8xi32, replicated on @dp>
  return
}

// -----

// Sizes whose bytes overflow int64 (allocations would wrap).
coco.grid @dp(shape = [?])
// expected-error @+1 {{is too large: its size in bytes overflows int64}}
func.func private @f(!coco.dtensor<4294967296x4294967296xf32, replicated on @dp>)

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
// expected-error @+1 {{sliced dimension 1 is out of range for a rank-1 tensor}}
func.func private @f(!coco.dtensor<4xf32, sliced<1> on @dp>)

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
// expected-error @+1 {{grid axis must be in [0, 3] (a grid has at most 4 axes), got -1}}
func.func private @f(!coco.dtensor<4xf32, local on @dp[-1]>)

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
// expected-error @+1 {{expected placement 'replicated', 'local' or 'sliced<DIM>', got 'shared'}}
func.func private @f(!coco.dtensor<4xf32, shared on @dp>)

// -----

// expected-error @+1 {{must have 1 to 4 dimensions, got 5}}
coco.grid @g(shape = [1, 1, 1, 1, 1])

// -----

// expected-error @+1 {{may have at most one dynamic extent '?'}}
coco.grid @g(shape = [?, ?])

// -----

// expected-error @+1 {{has extent 0 (extents must be positive or '?')}}
coco.grid @g(shape = [0, 2])

// -----

// More ranks than MPI and NCCL can number (an int): 2^32 * 2^32 also wraps
// an int64 product to 0, which passes once divided by.
// expected-error @+1 {{has more than 2147483647 ranks (MPI and NCCL number ranks with an int)}}
coco.grid @g(shape = [4294967296, 4294967296])

// -----

// expected-error @+1 {{has more than 2147483647 ranks}}
coco.grid @g(shape = [65536, ?, 65536])

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
// expected-error @+1 {{'func.func' op argument 0 has type '!coco.dtensor<4xf32, local on @nope>', whose grid @nope does not exist}}
func.func @f(%x: !coco.dtensor<4xf32, local on @nope>) {
  %0 = coco.all_reduce sum %x : !coco.dtensor<4xf32, local on @nope>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
// expected-error @+1 {{'func.func' op argument 0 has type '!coco.dtensor<4xf32, local on @dp[1]>', which places the tensor on 2 axes, but grid @dp has 1}}
func.func @f(%x: !coco.dtensor<4xf32, local on @dp[1]>) {
  %0 = coco.all_reduce sum %x : !coco.dtensor<4xf32, local on @dp[1]>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%x: !coco.dtensor<8xf32, local on @g4>) {
  // expected-error @+1 {{root 4 is out of range for a group of 4 ranks}}
  %0 = coco.broadcast %x root 4 : !coco.dtensor<8xf32, local on @g4>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>, %b: !coco.dtensor<8xf32, local on @dp>) {
  // expected-error @+1 {{'coco.add' operands have different shapes: 4 and 8}}
  %0 = coco.add %a, %b : !coco.dtensor<4xf32, local on @dp>, !coco.dtensor<8xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>, %b: !coco.dtensor<4xf32, local on @g4>) {
  // expected-error @+1 {{'coco.sub' operands are distributed over different grids: @dp and @g4}}
  %0 = coco.sub %a, %b : !coco.dtensor<4xf32, local on @dp>, !coco.dtensor<4xf32, local on @g4>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>, %b: !coco.dtensor<4xf16, local on @dp>) {
  // expected-error @+1 {{'coco.mul' operands have different element types: 'f32' and 'f16'}}
  %0 = coco.mul %a, %b : !coco.dtensor<4xf32, local on @dp>, !coco.dtensor<4xf16, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>, %b: !coco.dtensor<4xf32, sliced<0> on @dp>) {
  // expected-error @+1 {{'coco.add' cannot combine local and sliced<0> on axis 0 of @dp: only equal placements, or replicated with another, combine}}
  %0 = coco.add %a, %b : !coco.dtensor<4xf32, local on @dp>, !coco.dtensor<4xf32, sliced<0> on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: f32, %b: f32) {
  // expected-error @+1 {{'coco.max' needs at least one distributed tensor operand; use arith ops on scalars}}
  %0 = coco.max %a, %b : f32, f32
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>, %b: i32) {
  // expected-error @+1 {{'coco.div' scalar operand of type 'i32' cannot be broadcast to element type 'f32': a float scalar goes with float tensors, an integer one with integer tensors (convert it with arith first)}}
  %0 = coco.div %a, %b : !coco.dtensor<4xf32, local on @dp>, i32
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xi32, local on @dp>, %b: i32) {
  // expected-error @+1 {{'coco.pow' needs a floating-point element type, got 'i32'}}
  %0 = coco.pow %a, %b : !coco.dtensor<4xi32, local on @dp>, i32
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%c: !coco.dtensor<4xf32, local on @dp>, %a: !coco.dtensor<4xf32, local on @dp>) {
  // expected-error @+1 {{'coco.select' condition must have i1 elements, got 'f32'}}
  %0 = coco.select %c, %a, %a : !coco.dtensor<4xf32, local on @dp>, !coco.dtensor<4xf32, local on @dp>, !coco.dtensor<4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xi32, local on @dp>) {
  // expected-error @+1 {{'coco.sqrt' op needs a floating-point element type, got 'i32'}}
  %0 = coco.sqrt %a : !coco.dtensor<4xi32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xi32, local on @dp>, %p: f32, %s: i64) {
  // expected-error @+1 {{'coco.dropout' op needs a floating-point element type, got 'i32'}}
  %0 = coco.dropout %a, %p, %s : !coco.dtensor<4xi32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>) {
  // expected-error @+1 {{changes the shape from 4 to 8; a cast only converts elements}}
  %0 = coco.cast %a : !coco.dtensor<4xf32, local on @dp> to !coco.dtensor<8xf16, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>) {
  // expected-error @+1 {{changes the distribution from local on axis 0 of @dp to replicated on @dp; use a collective to change placements}}
  %0 = coco.cast %a : !coco.dtensor<4xf32, local on @dp> to !coco.dtensor<4xf16, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>) {
  // expected-error @+1 {{cannot cast to i1; use coco.cmp}}
  %0 = coco.cast %a : !coco.dtensor<4xf32, local on @dp> to !coco.dtensor<4xi1, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f() {
  // expected-error @+1 {{result must be replicated (every rank holds the same constant), got local}}
  %0 = coco.constant 1.0 : !coco.dtensor<4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f() {
  // expected-error @+1 {{a floating-point constant cannot have element type 'i32'}}
  %0 = coco.constant 1.5 : !coco.dtensor<4xi32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f() {
  // expected-error @+1 {{value 1.000000e+00 : f16 does not have the element type 'f32'}}
  %0 = "coco.constant"() <{value = 1.0 : f16}> : () -> !coco.dtensor<4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>) {
  // expected-error @+1 {{needs a rank-0 distributed tensor, got shape 4}}
  %0 = coco.extract %a : !coco.dtensor<4xf32, replicated on @dp> -> f32
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<f32, replicated on @dp>) {
  // expected-error @+1 {{result type 'f16' differs from the element type 'f32'}}
  %0 = coco.extract %a : !coco.dtensor<f32, replicated on @dp> -> f16
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>, %b: !coco.dtensor<4x4xf32, replicated on @dp>) {
  // expected-error @+1 {{'coco.matmul' expects lhs of rank >= 2 and rhs of rank 2, got shapes 4 and 4x4}}
  %0 = coco.matmul %a, %b : !coco.dtensor<4xf32, replicated on @dp>, !coco.dtensor<4x4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x8xf32, replicated on @dp>, %b: !coco.dtensor<4x4xf32, replicated on @dp>) {
  // expected-error @+1 {{'coco.matmul' contracted dimensions differ: lhs has K = 8, rhs has K = 4}}
  %0 = coco.matmul %a, %b : !coco.dtensor<4x8xf32, replicated on @dp>, !coco.dtensor<4x4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, replicated on @dp>, %b: !coco.dtensor<4x4xf16, replicated on @dp>) {
  // expected-error @+1 {{'coco.matmul' operands have different element types: 'f32' and 'f16'}}
  %0 = coco.matmul %a, %b : !coco.dtensor<4x4xf32, replicated on @dp>, !coco.dtensor<4x4xf16, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, replicated on @dp>, %b: !coco.dtensor<4x4xf32, replicated on @g4>) {
  // expected-error @+1 {{'coco.matmul' operands are distributed over different grids: @dp and @g4}}
  %0 = coco.matmul %a, %b : !coco.dtensor<4x4xf32, replicated on @dp>, !coco.dtensor<4x4xf32, replicated on @g4>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, sliced<1> on @dp>, %b: !coco.dtensor<4x4xf32, replicated on @dp>) {
  // expected-error @+1 {{'coco.matmul' cannot multiply sliced<1> by replicated on axis 0 of @dp: a contraction over a sliced K needs both lhs sliced on its last dimension and rhs sliced on dimension 0}}
  %0 = coco.matmul %a, %b : !coco.dtensor<4x4xf32, sliced<1> on @dp>, !coco.dtensor<4x4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, sliced<0> on @dp>, %b: !coco.dtensor<4x4xf32, local on @dp>) {
  // expected-error @+1 {{'coco.matmul' cannot multiply sliced<0> by local on axis 0 of @dp: lhs sliced on a row dimension needs a replicated rhs}}
  %0 = coco.matmul %a, %b : !coco.dtensor<4x4xf32, sliced<0> on @dp>, !coco.dtensor<4x4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, local on @dp>, %b: !coco.dtensor<4x4xf32, sliced<1> on @dp>) {
  // expected-error @+1 {{'coco.matmul' cannot multiply local by sliced<1> on axis 0 of @dp: rhs sliced on its columns needs a replicated lhs}}
  %0 = coco.matmul %a, %b : !coco.dtensor<4x4xf32, local on @dp>, !coco.dtensor<4x4xf32, sliced<1> on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, local on @dp>) {
  // expected-error @+1 {{'coco.reduce' supports sum, max and min, got avg}}
  %0 = coco.reduce avg %a dims [0] : !coco.dtensor<4x4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, local on @dp>) {
  // expected-error @+1 {{'coco.reduce' needs at least one dimension}}
  %0 = coco.reduce sum %a dims [] : !coco.dtensor<4x4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, local on @dp>) {
  // expected-error @+1 {{'coco.reduce' dimension 2 is out of range for a rank-2 tensor}}
  %0 = coco.reduce sum %a dims [2] : !coco.dtensor<4x4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, local on @dp>) {
  // expected-error @+1 {{'coco.reduce' dimensions must be strictly increasing}}
  %0 = coco.reduce sum %a dims [1, 0] : !coco.dtensor<4x4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xi32, local on @dp>) {
  // expected-error @+1 {{'coco.norm' needs a floating-point element type, got 'i32'}}
  %0 = coco.norm %a : !coco.dtensor<4xi32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, sliced<0> on @dp>) {
  // expected-error @+1 {{'coco.norm' of a sliced tensor does not compose over slices; compute coco.reduce sum of its square, coco.all_reduce sum, then coco.sqrt}}
  %0 = coco.norm %a : !coco.dtensor<4xf32, sliced<0> on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>) {
  %0 = coco.neg %a : !coco.dtensor<4xf32, replicated on @dp>
  // expected-error @+1 {{parameter must be an argument of the enclosing function}}
  coco.update %0, %a : !coco.dtensor<4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>, %c: i1) {
  scf.if %c {
    // expected-error @+1 {{must be directly in the function body, not in a nested region}}
    coco.update %a, %a : !coco.dtensor<4xf32, replicated on @dp>
  }
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>) {
  // expected-error @+1 {{parameter is updated more than once}}
  coco.update %a, %a : !coco.dtensor<4xf32, replicated on @dp>
  coco.update %a, %a : !coco.dtensor<4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>) {
  // expected-error @+1 {{'coco.all_reduce' along [0] needs a local operand on axis 0 of @dp (per-rank values to combine), got replicated}}
  %0 = coco.all_reduce sum %a : !coco.dtensor<4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, sliced<0> on @dp>) {
  // expected-error @+1 {{'coco.reduce_scatter' along [0] needs a local operand on axis 0 of @dp (per-rank values to combine), got sliced<0>}}
  %0 = coco.reduce_scatter sum %a dim 0 : !coco.dtensor<4xf32, sliced<0> on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>) {
  // expected-error @+1 {{'coco.reduce_scatter' dimension 1 is out of range for a rank-1 tensor}}
  %0 = coco.reduce_scatter sum %a dim 1 : !coco.dtensor<4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>) {
  // expected-error @+1 {{'coco.all_gather' along [0] needs a sliced operand on axis 0 of @dp (slices to concatenate), got replicated}}
  %0 = coco.all_gather %a : !coco.dtensor<4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>) {
  // expected-error @+1 {{'coco.broadcast' root must be non-negative, got -1}}
  %0 = coco.broadcast %a root -1 : !coco.dtensor<4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, sliced<0> on @dp>) {
  // expected-error @+1 {{'coco.broadcast' along [0] needs a local or replicated operand on axis 0 of @dp (a whole tensor on the root), got sliced<0>}}
  %0 = coco.broadcast %a root 0 : !coco.dtensor<4xf32, sliced<0> on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>) {
  // expected-error @+1 {{'coco.reduce_to_root' along [0] needs a local operand on axis 0 of @dp (per-rank values to combine), got replicated}}
  %0 = coco.reduce_to_root sum %a root 0 : !coco.dtensor<4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, local on @dp>) {
  // expected-error @+1 {{'coco.all_to_all' along [0] needs a sliced operand on axis 0 of @dp (slices to re-slice), got local}}
  %0 = coco.all_to_all %a dim 1 : !coco.dtensor<4x4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4x4xf32, sliced<1> on @dp>) {
  // expected-error @+1 {{'coco.all_to_all' operand is already sliced along dimension 1}}
  %0 = coco.all_to_all %a dim 1 : !coco.dtensor<4x4xf32, sliced<1> on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, local on @dp>) {
  // expected-error @+1 {{'coco.slice' along [0] needs a replicated operand on axis 0 of @dp (every rank must hold the whole tensor), got local}}
  %0 = coco.slice %a dim 0 : !coco.dtensor<4xf32, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%p: index) {
  // expected-error @+1 {{result cannot be sliced<0> along the peer axis 0 (each rank receives one whole value); make it local there}}
  %0 = coco.recv from %p : !coco.dtensor<4xf32, sliced<0> on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{with tensor operands must return one value of the type of its init operand}}
  "coco.comm.all_reduce"(%a, %b) <{kind = 0 : i32, grid = @dp, axes = array<i64: 0>}> : (tensor<4xf32>, tensor<4xf32>) -> ()
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: memref<4xf32>) {
  // expected-error @+1 {{with memref operands has no results}}
  %0 = "coco.comm.all_reduce"(%a, %a) <{kind = 0 : i32, grid = @dp, axes = array<i64: 0>}> : (memref<4xf32>, memref<4xf32>) -> tensor<4xf32>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: tensor<4xf32>, %b: memref<4xf32>) {
  // expected-error @+1 {{input and init must both be tensors or both be memrefs}}
  coco.comm.all_reduce sum %a into %b on @dp[0] : tensor<4xf32>, memref<4xf32>
  return
}

// -----

coco.grid @dp(shape = [?])
// The runtime numbers integers by width and reduces them as signed.
func.func @f(%a: memref<4xui8>, %b: memref<4xui8>) {
  // expected-error @+1 {{takes signless integers (the runtime reduces integers as signed), got 'ui8'}}
  coco.comm.all_reduce max %a into %b on @dp[0] : memref<4xui8>, memref<4xui8>
  return
}

// -----

coco.grid @dp(shape = [?])
func.func @f(%a: tensor<8xi1>, %b: tensor<4xi1>) {
  // expected-error @+1 {{'coco.comm.reduce_scatter' op i1 values cannot be combined across ranks: they travel as bytes, whose sum, max and min are not arith's i1 ones (two 1s sum to 2, not 0); extend them to i8 first}}
  %0 = coco.comm.reduce_scatter avg %a into %b dim 0 on @dp[0] : tensor<8xi1>, tensor<4xi1> -> tensor<4xi1>
  return
}

// -----

coco.grid @dp(shape = [?])
func.func @f(%a: memref<4xi1>, %b: memref<4xi1>) {
  // expected-error @+1 {{'coco.comm.iall_reduce' op i1 values cannot be combined across ranks}}
  %r = coco.comm.iall_reduce max %a into %b on @dp[0] : memref<4xi1>, memref<4xi1>
  return
}

// -----

coco.grid @dp(shape = [2])
func.func @f(%x: !coco.dtensor<2xi1, local on @dp>) {
  // expected-error @+1 {{'coco.all_reduce': i1 values cannot be combined across ranks}}
  %s = coco.all_reduce sum %x : !coco.dtensor<2xi1, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [2])
func.func @f(%x: !coco.dtensor<4xi1, local on @dp>) {
  // expected-error @+1 {{'coco.reduce_scatter': i1 values cannot be combined across ranks}}
  %s = coco.reduce_scatter max %x dim 0 : !coco.dtensor<4xi1, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [2])
func.func @f(%x: !coco.dtensor<4xi1, local on @dp>) {
  // expected-error @+1 {{'coco.reduce_to_root': i1 values cannot be combined across ranks}}
  %s = coco.reduce_to_root min %x root 0 : !coco.dtensor<4xi1, local on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: memref<4xf32>, %b: memref<4xf16>) {
  // expected-error @+1 {{input and init element types differ: 'f32' and 'f16'}}
  coco.comm.broadcast %a into %b root 0 on @dp[0] : memref<4xf32>, memref<4xf16>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: memref<4xf32>, %b: memref<4x1xf32>) {
  // expected-error @+1 {{input and init ranks differ}}
  coco.comm.reduce sum %a into %b root 0 on @dp[0] : memref<4xf32>, memref<4x1xf32>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: memref<4xf32>, %b: memref<2xf32>) {
  // expected-error @+1 {{dimension 1 is out of range for rank 1}}
  coco.comm.reduce_scatter sum %a into %b dim 1 on @dp[0] : memref<4xf32>, memref<2xf32>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: memref<6xf32>, %b: memref<4xf32>) {
  // A block is never larger than what it is a block of.
  // expected-error @+1 {{input and init sizes of dimension 0 are incompatible: 6 and 4}}
  coco.comm.all_gather %a into %b dim 0 on @dp[0] : memref<6xf32>, memref<4xf32>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: memref<4x4xf32>) {
  // expected-error @+1 {{concat dimension 2 is out of range}}
  coco.comm.all_to_all %a into %a split 0 concat 2 on @dp[0] : memref<4x4xf32>, memref<4x4xf32>
  return
}

// -----

coco.grid @dp(shape = [?])
func.func @f(%a: memref<4x4xf32>) {
  // expected-error @+1 {{with skip_self needs an init buffer other than its input}}
  coco.comm.all_to_all %a into %a split 0 concat 0 skip_self on @dp[0] : memref<4x4xf32>, memref<4x4xf32>
  return
}

// -----

// A reduce-scatter's exchange (one dimension split and concatenated): init
// holds a slot per rank, at least the input's rows, and the other dims.
coco.grid @dp(shape = [3])
func.func @f(%a: memref<7x2xf32>, %b: memref<6x2xf32>) {
  // expected-error @+1 {{input and init sizes of dimension 0 are incompatible: 7 and 6 (init's dimension holds one slot per rank, as large as the largest block)}}
  coco.comm.all_to_all %a into %b split 0 concat 0 skip_self on @dp[0] : memref<7x2xf32>, memref<6x2xf32>
  return
}

// -----

coco.grid @dp(shape = [3])
func.func @f(%a: memref<7x2xf32>, %b: memref<9x3xf32>) {
  // expected-error @+1 {{input and init sizes of dimension 1 are incompatible: 2 and 3}}
  coco.comm.all_to_all %a into %b split 0 concat 0 on @dp[0] : memref<7x2xf32>, memref<9x3xf32>
  return
}

// -----

// A window of each block (coco-chunk-exchange on uneven blocks) exists only
// where one dimension is split and concatenated; its slots may hold fewer
// rows than the input (not more columns).
coco.grid @dp(shape = [3])
func.func @f(%a: memref<6x2xf32>, %b: memref<6x2xf32>, %s: index) {
  // expected-error @+1 {{takes a window only where it splits and concatenates one dimension (split 0, concat 1)}}
  coco.comm.all_to_all %a into %b split 0 concat 1 window %s on @dp[0] : memref<6x2xf32>, memref<6x2xf32>
  return
}

// -----

coco.grid @dp(shape = [3])
func.func @f(%a: memref<6x2xf32>, %s: index) {
  // expected-error @+1 {{with a window needs an init buffer other than its input}}
  coco.comm.all_to_all %a into %a split 0 concat 0 window %s on @dp[0] : memref<6x2xf32>, memref<6x2xf32>
  return
}

// -----

coco.grid @dp(shape = [3])
func.func @f(%a: memref<7x2xf32>, %b: memref<3x3xf32>, %s: index) {
  // expected-error @+1 {{input and init sizes of dimension 1 are incompatible: 2 and 3}}
  coco.comm.all_to_all %a into %b split 0 concat 0 skip_self window %s on @dp[0] : memref<7x2xf32>, memref<3x3xf32>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: memref<4xf32>, %p: index) {
  // expected-error @+1 {{refers to unknown grid @tp}}
  coco.comm.send %a to %p on @tp[0] : memref<4xf32>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>) {
  // expected-error @+1 {{needs one result dimension per input dimension (1), got 2}}
  %0 = coco.expand %a dims [0, 1] : !coco.dtensor<4xf32, replicated on @dp> to !coco.dtensor<4x4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>) {
  // expected-error @+1 {{dimension 2 is out of range for a rank-2 result}}
  %0 = coco.expand %a dims [2] : !coco.dtensor<4xf32, replicated on @dp> to !coco.dtensor<4x4xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>) {
  // expected-error @+1 {{input dimension 0 (size 4) does not match result dimension 1 (size 8)}}
  %0 = coco.expand %a dims [1] : !coco.dtensor<4xf32, replicated on @dp> to !coco.dtensor<4x8xf32, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, replicated on @dp>) {
  // expected-error @+1 {{changes the element type}}
  %0 = coco.expand %a dims [1] : !coco.dtensor<4xf32, replicated on @dp> to !coco.dtensor<2x4xf16, replicated on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<4xf32, sliced<0> on @dp>) {
  // expected-error @+1 {{result must be sliced<1> on axis 0 of @dp, like its input}}
  %0 = coco.expand %a dims [1] : !coco.dtensor<4xf32, sliced<0> on @dp> to !coco.dtensor<2x4xf32, sliced<0> on @dp>
  return
}

// -----

coco.grid @dp(shape = [?])
coco.grid @g4(shape = [4])
func.func @f(%a: !coco.dtensor<2x2xf32, replicated on @dp>) {
  // expected-error @+1 {{dimensions must be strictly increasing}}
  %0 = coco.expand %a dims [1, 0] : !coco.dtensor<2x2xf32, replicated on @dp> to !coco.dtensor<2x2x2xf32, replicated on @dp>
  return
}

// -----

// Inference runs while parsing, before operand type constraints (found by
// the mutation fuzzer: these used to crash).
func.func @f(%a: f32, %b: f32) {
  // expected-error @+1 {{'coco.matmul' expects a distributed tensor operand, got 'f32'}}
  %0 = coco.matmul %a, %b : f32, f32
  return
}

// -----

func.func @f(%a: tensor<4xf32>) {
  // expected-error @+1 {{'coco.norm' expects a distributed tensor operand, got 'tensor<4xf32>'}}
  %0 = coco.norm %a : tensor<4xf32>
  return
}

// -----


func.func @f(%a: tensor<4xf32>, %b: tensor<6xf32>) {
  // expected-error @+1 {{input and init sizes of dimension 0 are incompatible: 4 and 6}}
  %0 = coco.comm.reduce_scatter sum %a into %b dim 0 on @dp[0] : tensor<4xf32>, tensor<6xf32> -> tensor<6xf32>
  return
}

// -----

coco.grid @pp(shape = [2, 2])
func.func @f(%p: index) {
  // Along its own axis (explicitly), a received value is not sliced.
  // expected-error @+1 {{result cannot be sliced<0> along the peer axis 1 (each rank receives one whole value); make it local there}}
  %0 = coco.recv from %p along 1 : !coco.dtensor<4xf32, sliced<0> on @pp[1]>
  return
}

// -----

coco.grid @pp(shape = [2, 2])
func.func @f(%p: index, %x: !coco.dtensor<4xf32, replicated on @pp[1]>) {
  // expected-error @+1 {{refers to axis 2 of grid @pp, which has 2 dimension(s)}}
  coco.send %x to %p along 2 : !coco.dtensor<4xf32, replicated on @pp[1]>
  return
}

// -----

coco.grid @pp(shape = [2, 2])
func.func @f(%p: index) {
  // expected-error @+1 {{refers to axis -1 of grid @pp, which has 2 dimension(s)}}
  %0 = coco.recv from %p along -1 : !coco.dtensor<4xf32, replicated on @pp[1]>
  return
}

// -----

coco.grid @dp(shape = [?])
func.func @f(%a: memref<4x16xf32>, %b: memref<4x20xf32>) {
  // expected-error @+1 {{input and init sizes of dimension 1 are incompatible: 16 and 20}}
  %r = coco.comm.ireduce_scatter sum %a into %b dim 1 on @dp[0] : memref<4x16xf32>, memref<4x20xf32>
  return
}

// -----

coco.grid @dp(shape = [?])
func.func @f(%a: memref<4x16xf32>, %b: memref<4x8xf32>) {
  // expected-error @+1 {{input and init sizes of dimension 1 are incompatible: 16 and 8}}
  %r = coco.comm.iall_reduce sum %a into %b on @dp[0] : memref<4x16xf32>, memref<4x8xf32>
  return
}

// -----
// Placements per grid axis: the type parser.

coco.grid @g(shape = [2, 2])
// expected-error @+1 {{a placement list names at least the first grid axis's placement (axes past its end are replicated): for a tensor replicated on every axis, write 'replicated on @grid'}}
func.func private @f(!coco.dtensor<4xf32, [] on @g>)

// -----

coco.grid @g(shape = [2, 2])
// expected-error @+1 {{'within' orders the axes slicing one dimension; write the placements as a list, one per grid axis}}
func.func private @f(!coco.dtensor<4xf32, sliced<0> within 1 on @g>)

// -----

coco.grid @g(shape = [2, 2])
// expected-error @+1 {{only a sliced placement can be 'within' another axis}}
func.func private @f(!coco.dtensor<4xf32, [local within 1, sliced<0>] on @g>)

// -----

coco.grid @g(shape = [2, 2])
// expected-error @+1 {{axis 0 is sliced<0> within axis 1, which does not slice dimension 0}}
func.func private @f(!coco.dtensor<4x4xf32, [sliced<0> within 1, sliced<1>] on @g>)

// -----

coco.grid @g3(shape = [2, 2, 2])
// expected-error @+1 {{axes 2 and 0 are both sliced<0> within axis 1; each level of a dimension is split by one axis}}
func.func private @f(!coco.dtensor<8xf32, [sliced<0> within 1, sliced<0>, sliced<0> within 1] on @g3>)

// -----

coco.grid @g3(shape = [2, 2, 2])
// expected-error @+1 {{dimension 0 is sliced by axes 0, 1, 2 in a given order: every axis but the outermost needs 'within'}}
func.func private @f(!coco.dtensor<8xf32, [sliced<0>, sliced<0>, sliced<0> within 1] on @g3>)

// -----

coco.grid @g3(shape = [2, 2, 2])
// expected-error @+1 {{the axes slicing dimension 0 do not form one chain of 'within'}}
func.func private @f(!coco.dtensor<8xf32, [sliced<0> within 1, sliced<0> within 0, sliced<0>] on @g3>)

// -----

coco.grid @g(shape = [2, 2])
// expected-error @+1 {{a placement list names every axis; '[AXIS]' only follows a single placement}}
func.func private @f(!coco.dtensor<4xf32, [local, local] on @g[1]>)

// -----

coco.grid @g(shape = [2, 2])
// expected-error @+1 {{sliced dimension must be non-negative, got -1}}
func.func private @f(!coco.dtensor<4xf32, sliced<-1> on @g>)

// -----

coco.grid @g(shape = [2, 2])
// expected-error @+1 {{has 5 placements; a grid has at most 4 axes}}
func.func private @f(!coco.dtensor<4xf32, [local, local, local, local, local] on @g>)

// -----
// Placements per grid axis: ops.

coco.grid @g(shape = [2, 2])
// expected-error @+1 {{'func.func' op argument 0 has type '!coco.dtensor<4xf32, [local, local, local] on @g>', which places the tensor on 3 axes, but grid @g has 2}}
func.func @f(%x: !coco.dtensor<4xf32, [local, local, local] on @g>) {
  %0 = coco.neg %x : !coco.dtensor<4xf32, [local, local, local] on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4xf32, replicated on @g>) {
  // Which axis to slice is not in the operand's placements.
  // expected-error @+1 {{runs on grid @g of 2 axes and its operand does not say along which: name them with 'along'}}
  %0 = coco.slice %x dim 0 : !coco.dtensor<4xf32, replicated on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4xf32, replicated on @g>, %p: index) {
  // expected-error @+1 {{runs on grid @g of 2 axes and its operand does not say along which: name them with 'along'}}
  coco.send %x to %p : !coco.dtensor<4xf32, replicated on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4xf32, replicated on @g>) {
  // expected-error @+1 {{refers to axis 2 of grid @g, which has 2 dimension(s)}}
  %0 = coco.slice %x dim 0 along [2] : !coco.dtensor<4xf32, replicated on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4xf32, [local, local] on @g>) {
  // expected-error @+1 {{'coco.all_reduce' names axis 1 twice}}
  %0 = coco.all_reduce sum %x along [1, 1] : !coco.dtensor<4xf32, [local, local] on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4xf32, [local, local] on @g>) {
  // expected-error @+1 {{'coco.all_reduce' axis must be in [0, 3] (a grid has at most 4 axes), got -1}}
  %0 = coco.all_reduce sum %x along [-1] : !coco.dtensor<4xf32, [local, local] on @g>
  return
}

// -----

// An axis past any grid is rejected before the result type is inferred
// (broadcast and slice would otherwise place the result on it).
coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4xf32, replicated on @g>) {
  // expected-error @+1 {{'coco.broadcast' axis must be in [0, 3] (a grid has at most 4 axes), got 9223372036854775807}}
  %0 = coco.broadcast %x root 0 along [9223372036854775807] : !coco.dtensor<4xf32, replicated on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4xf32, replicated on @g>) {
  // expected-error @+1 {{'coco.slice' axis must be in [0, 3] (a grid has at most 4 axes), got 4}}
  %0 = coco.slice %x dim 0 along [4] : !coco.dtensor<4xf32, replicated on @g>
  return
}

// -----

// An axis the type allows but this grid lacks: the grid check.
coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4xf32, replicated on @g>) {
  // expected-error @+1 {{'coco.slice' op refers to axis 3 of grid @g, which has 2 dimension(s)}}
  %0 = coco.slice %x dim 0 along [3] : !coco.dtensor<4xf32, replicated on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4xf32, [local, local] on @g>) {
  // expected-error @+1 {{'coco.all_reduce' 'along' names no axis; name at least one, or leave 'along' out for the operand's default}}
  %0 = coco.all_reduce sum %x along [] : !coco.dtensor<4xf32, [local, local] on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4xf32, [local, replicated] on @g>) {
  // expected-error @+1 {{'coco.all_reduce' along [0, 1] needs a local operand on axis 1 of @g (per-rank values to combine), got replicated}}
  %0 = coco.all_reduce sum %x along [0, 1] : !coco.dtensor<4xf32, [local, replicated] on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4x4xf32, [sliced<0>, sliced<1>] on @g>) {
  // expected-error @+1 {{'coco.all_gather' operand is [sliced<0>, sliced<1>] on @g, sliced along several dimensions: name the axes with 'along'}}
  %0 = coco.all_gather %x : !coco.dtensor<4x4xf32, [sliced<0>, sliced<1>] on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4x4xf32, [sliced<0>, sliced<1>] on @g>) {
  // expected-error @+1 {{'coco.all_gather' along [0, 1] needs the axes to slice one dimension; the operand is [sliced<0>, sliced<1>] on @g}}
  %0 = coco.all_gather %x along [0, 1] : !coco.dtensor<4x4xf32, [sliced<0>, sliced<1>] on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>) {
  // Axis 0's blocks are split further by axis 1: gather axis 1 first.
  // expected-error @+1 {{'coco.all_gather' along [0]: dimension 0 is split by axes [0, 1] (outer to inner), so axis 0's blocks are split further by an inner axis; take the inner axes first}}
  %0 = coco.all_gather %x along [0] : !coco.dtensor<16xf32, [sliced<0>, sliced<0>] on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%a: !coco.dtensor<4x8xf32, [local, sliced<1>] on @g>, %b: !coco.dtensor<4x8xf32, [sliced<1>, local] on @g>) {
  // expected-error @+1 {{'coco.add' cannot combine local and sliced<1> on axis 0 of @g: only equal placements, or replicated with another, combine}}
  %0 = coco.add %a, %b : !coco.dtensor<4x8xf32, [local, sliced<1>] on @g>, !coco.dtensor<4x8xf32, [sliced<1>, local] on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%a: !coco.dtensor<16xf32, sliced<0> on @g>, %b: !coco.dtensor<16xf32, sliced<0> on @g[1]>) {
  // Axis 0's blocks and axis 1's blocks overlap in no nested way: no
  // operand holds the result's block.
  // expected-error @+1 {{'coco.add' operands split dimension 0 over axes in incompatible orders ([0] and [1], outer to inner): each operand's blocks must contain the result's}}
  %0 = coco.add %a, %b : !coco.dtensor<16xf32, sliced<0> on @g>, !coco.dtensor<16xf32, sliced<0> on @g[1]>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4x8xf32, [sliced<1>, sliced<1>] on @g>, %w: !coco.dtensor<8x6xf32, [sliced<0> within 1, sliced<0>] on @g>) {
  // expected-error @+1 {{'coco.matmul' operands split K over axes in different orders: [0, 1] and [1, 0] (outer to inner)}}
  %0 = coco.matmul %x, %w : !coco.dtensor<4x8xf32, [sliced<1>, sliced<1>] on @g>, !coco.dtensor<8x6xf32, [sliced<0> within 1, sliced<0>] on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%x: !coco.dtensor<4x8xf32, [local, sliced<1>] on @g>, %w: !coco.dtensor<8x6xf32, [sliced<0>, sliced<0>] on @g>) {
  // expected-error @+1 {{'coco.matmul' cannot multiply local by sliced<0> on axis 0 of @g: a contraction over a sliced K needs both lhs sliced on its last dimension and rhs sliced on dimension 0}}
  %0 = coco.matmul %x, %w : !coco.dtensor<4x8xf32, [local, sliced<1>] on @g>, !coco.dtensor<8x6xf32, [sliced<0>, sliced<0>] on @g>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%m: memref<4xf32>) {
  // expected-error @+1 {{names axis 0 twice}}
  coco.comm.all_reduce sum %m into %m on @g[0, 0] : memref<4xf32>, memref<4xf32>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%m: memref<4xf32>) {
  // expected-error @+1 {{needs at least one grid axis}}
  coco.comm.all_reduce sum %m into %m on @g[] : memref<4xf32>, memref<4xf32>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%m: memref<4xf32>, %p: index) {
  // expected-error @+1 {{runs along one grid axis, got [0, 1]}}
  coco.comm.send %m to %p on @g[0, 1] : memref<4xf32>
  return
}

// -----

coco.grid @g(shape = [2, 2])
func.func @f(%m: memref<4xf32>) {
  // expected-error @+1 {{root 4 is out of range for a group of 4 ranks}}
  coco.comm.broadcast %m into %m root 4 on @g[0, 1] : memref<4xf32>, memref<4xf32>
  return
}

// -----

// coco.* attributes are declared: a misspelt name is an error, not a value
// the program asks for at run time.
// expected-error @+1 {{'func.func' op has unknown attribute coco.nmae on argument 0; coco's argument attributes are coco.name, coco.value, coco.init and coco.distribution}}
func.func @misspelt_name(%x: f32 {coco.nmae = "x"}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op has unknown attribute coco.vaule on argument 0}}
func.func @misspelt_value(%lr: f32 {coco.name = "lr", coco.vaule = 0.1 : f32}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op coco.value of argument 1 must be a number, got "0.1"}}
func.func @value_not_a_number(%x: f32, %lr: f32 {coco.value = "0.1"}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op coco.name of argument 0 must be a non-empty string, got 3 : i64}}
func.func @name_not_a_string(%x: f32 {coco.name = 3}) {
  return
}

// -----

coco.grid @dp(shape = [2])
// expected-error @+1 {{'func.func' op coco.init of argument 0 must be one of "Uniform", "Positive", "Zeros", "Ones", got "Random"}}
func.func @unknown_init(%w: !coco.dtensor<4xf32, replicated on @dp> {coco.init = "Random"}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op coco.distribution of result 0 must be a !coco.dtensor type, got tensor<4xf32>}}
func.func @distribution_not_dtensor(%x: tensor<4xf32>) -> (tensor<4xf32> {coco.distribution = tensor<4xf32>}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op has unknown attribute coco.value on result 0; coco's result attributes are coco.name and coco.distribution}}
func.func @value_on_result(%x: f32) -> (f32 {coco.value = 1.0 : f32}) {
  return %x : f32
}

// -----

coco.grid @tp(shape = [2])
func.func @overlap_chunks_one(%a: !coco.dtensor<4xf32, local on @tp>) {
  // expected-error @+1 {{'coco.all_reduce' op coco.overlap_chunks must be an integer >= 2, got 1 : i64}}
  %0 = coco.all_reduce sum %a {coco.overlap_chunks = 1 : i64} : !coco.dtensor<4xf32, local on @tp>
  return
}

// -----

coco.grid @tp(shape = [2])
func.func @fuse_mark_elsewhere(%a: !coco.dtensor<4xf32, local on @tp>) {
  // expected-error @+1 {{'coco.all_reduce' op coco.fuse_reduce_scatter marks a reduce_scatter; it means nothing here}}
  %0 = coco.all_reduce sum %a {coco.fuse_reduce_scatter} : !coco.dtensor<4xf32, local on @tp>
  return
}

// -----

coco.grid @tp(shape = [2])
func.func @fuse_mark_value(%a: !coco.dtensor<4xf32, local on @tp>) {
  // expected-error @+1 {{'coco.reduce_scatter' op coco.fuse_reduce_scatter must be a unit attribute, got true}}
  %0 = coco.reduce_scatter sum %a dim 0 {coco.fuse_reduce_scatter = true} : !coco.dtensor<4xf32, local on @tp>
  return
}

// -----

coco.grid @tp(shape = [2])
func.func @exchange_whole_elsewhere(%a: !coco.dtensor<4xf32, local on @tp>) {
  // expected-error @+1 {{'coco.all_reduce' op coco.exchange_whole marks a reduce_scatter (or the exchange its fold makes: an all_to_all skip_self); it means nothing here}}
  %0 = coco.all_reduce sum %a {coco.exchange_whole} : !coco.dtensor<4xf32, local on @tp>
  return
}

// -----

coco.grid @tp(shape = [2])
func.func @exchange_whole_all_to_all(%x: tensor<4xf32>, %e: tensor<4xf32>) {
  // expected-error @+1 {{'coco.comm.all_to_all' op coco.exchange_whole marks a reduce_scatter (or the exchange its fold makes: an all_to_all skip_self); it means nothing here}}
  %0 = coco.comm.all_to_all %x into %e split 0 concat 0 on @tp[0] {coco.exchange_whole} : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

coco.grid @tp(shape = [2])
func.func @exchange_whole_value(%a: !coco.dtensor<4xf32, local on @tp>) {
  // expected-error @+1 {{'coco.reduce_scatter' op coco.exchange_whole must be a unit attribute, got 0 : i64}}
  %0 = coco.reduce_scatter sum %a dim 0 {coco.exchange_whole = 0} : !coco.dtensor<4xf32, local on @tp>
  return
}

// -----

func.func @unknown_op_attribute() {
  // expected-error @+1 {{'arith.constant' op has unknown attribute coco.fast; coco's operation attributes are coco.overlap_chunks, coco.fuse_reduce_scatter, coco.exchange_whole and coco.branch_remarks (the transform ops', while they run)}}
  %0 = arith.constant {coco.fast} 1 : index
  return
}

// -----

func.func @branch_remarks_value() {
  // expected-error @+1 {{'arith.constant' op coco.branch_remarks must be an array<i64>, got 0 : i64}}
  %0 = arith.constant {coco.branch_remarks = 0} 1 : index
  return
}

// -----

// A type in a signature is checked against its grid even when no coco op
// uses the argument.
coco.grid @dp(shape = [?])
// expected-error @+1 {{'func.func' op argument 0 has type '!coco.dtensor<4xf32, local on @dp[3]>', which places the tensor on 4 axes, but grid @dp has 1}}
func.func @axis_beyond_grid(%x: !coco.dtensor<4xf32, local on @dp[3]>) -> !coco.dtensor<4xf32, local on @dp[3]> {
  return %x : !coco.dtensor<4xf32, local on @dp[3]>
}

// -----

coco.grid @dp(shape = [?])
// expected-error @+1 {{'func.func' op result 0 has type '!coco.dtensor<4xf32, replicated on @nope>', whose grid @nope does not exist}}
func.func private @unknown_grid_in_signature(f32) -> !coco.dtensor<4xf32, replicated on @nope>

// -----

// A constant peer on a static axis must be a rank of it.
coco.grid @pp(shape = [2])
func.func @peer_out_of_range(%x: !coco.dtensor<4xf32, local on @pp>) {
  %c5 = arith.constant 5 : index
  // expected-error @+1 {{'coco.send' op peer 5 is not a rank along axis 0 of grid @pp, which has 2 rank(s)}}
  coco.send %x to %c5 : !coco.dtensor<4xf32, local on @pp>
  return
}

// -----

// On a 2-D grid the peer is a rank along the send's axis (here axis 1, of
// 3 ranks; the 8 ranks of axis 0 do not count), and the one-axis peer is
// accepted along it.
coco.grid @g2(shape = [8, 3])
func.func @peer_along_second_axis(%x: !coco.dtensor<4xf32, local on @g2[1]>) {
  %c2 = arith.constant 2 : index
  coco.send %x to %c2 along 1 : !coco.dtensor<4xf32, local on @g2[1]>
  %c3 = arith.constant 3 : index
  // expected-error @+1 {{'coco.send' op peer 3 is not a rank along axis 1 of grid @g2, which has 3 rank(s)}}
  coco.send %x to %c3 along 1 : !coco.dtensor<4xf32, local on @g2[1]>
  return
}

// -----

coco.grid @pp(shape = [?])
func.func @negative_peer(%b: memref<4xf32>) {
  %c = arith.constant -1 : index
  // expected-error @+1 {{'coco.comm.recv' op peer -1 is not a rank along axis 0 of grid @pp, which has '?' rank(s)}}
  coco.comm.recv from %c into %b on @pp[0] : memref<4xf32>
  return
}

// -----

// Rank-local collectives: a negative root is no rank of the group (the
// global-view ops reject it while inferring their type).
coco.grid @dp(shape = [2])
func.func @negative_comm_root(%m: memref<4xf32>) {
  // expected-error @+1 {{'coco.comm.broadcast' op root -1 is negative: roots are ranks of the group}}
  coco.comm.broadcast %m into %m root -1 on @dp[0] : memref<4xf32>, memref<4xf32>
  return
}

// -----

// A sibling function without its type, verified after the grid (functions
// are isolated from above): the grid's check of the signatures beside it
// read the missing type (a segfault); the function's own verifier reports it.
coco.grid @g(shape = [2])
// expected-error @+1 {{requires attribute 'function_type'}}
"func.func"() <{sym_name = "f"}> ({
  "func.return"() : () -> ()
}) : () -> ()

// -----

coco.grid @g(shape = [2])
// expected-error @+1 {{attribute 'function_type' failed to satisfy constraint: type attribute of function type}}
"func.func"() <{sym_name = "f", function_type = i32}> ({
  "func.return"() : () -> ()
}) : () -> ()
