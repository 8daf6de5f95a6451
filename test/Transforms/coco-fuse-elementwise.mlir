// RUN: coco-opt %s --coco-fuse-elementwise | FileCheck %s
// RUN: coco-opt %s --coco-fuse-elementwise=reductions=false | FileCheck %s --check-prefix=APART

#id = affine_map<(i) -> (i)>

// A producer used by two consumers: one loop computing all three values;
// the producer's value stays a result because @multi_use returns it.
// CHECK-LABEL: func @multi_use
// CHECK: %[[F:.*]]:3 = linalg.generic
// CHECK-SAME: ins(%arg0, %arg1 : tensor<8xf32>, tensor<8xf32>)
// CHECK: arith.addf
// CHECK: arith.mulf
// CHECK: arith.subf
// CHECK-NOT: linalg.generic
// CHECK: return %[[F]]#0, %[[F]]#1, %[[F]]#2
func.func @multi_use(%x: tensor<8xf32>, %y: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %y : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%s : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %d = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%s, %x : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.subf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %s, %m, %d : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// A producer whose value is the consumer's init is not merged (the merged
// op would use its own result).
// CHECK-LABEL: func @init_from_producer
// CHECK-COUNT-2: linalg.generic
func.func @init_from_producer(%x: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%p : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %c : tensor<8xf32>
}

// Dynamic shapes (a `?` grid's slices) fuse when the inits provably have the
// same size: tensor.empty ops of the same size value.
// CHECK-LABEL: func @dynamic_same_size
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
func.func @dynamic_same_size(%x: tensor<?xf32>, %y: tensor<?xf32>, %n: index) -> tensor<?xf32> {
  %e1 = tensor.empty(%n) : tensor<?xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %y : tensor<?xf32>, tensor<?xf32>) outs(%e1 : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e2 = tensor.empty(%n) : tensor<?xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%s : tensor<?xf32>) outs(%e2 : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  return %m : tensor<?xf32>
}

// Sizes that are not provably equal: left as two loops.
// CHECK-LABEL: func @dynamic_other_size
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.mulf
func.func @dynamic_other_size(%x: tensor<?xf32>, %y: tensor<?xf32>, %n: index, %k: index) -> tensor<?xf32> {
  %e1 = tensor.empty(%n) : tensor<?xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %y : tensor<?xf32>, tensor<?xf32>) outs(%e1 : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e2 = tensor.empty(%k) : tensor<?xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%s : tensor<?xf32>) outs(%e2 : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  return %m : tensor<?xf32>
}

// A bias broadcast along the last dim (coco.expand) fuses into the add that
// consumes it: one loop reading b with its broadcast map, no [4, 16] buffer
// of copies of b.
#bias = affine_map<(i, j) -> (j)>
#id2 = affine_map<(i, j) -> (i, j)>
#t2 = affine_map<(i, j) -> (j, i)>
// CHECK-LABEL: func @broadcast_producer
// CHECK-SAME: (%[[Y:[^:]*]]: tensor<4x16xf32>, %[[B:[^:]*]]: tensor<16xf32>)
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[BMAP:.*]], #[[ID:.*]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[B]], %[[Y]] : tensor<16xf32>, tensor<4x16xf32>)
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @broadcast_producer(%y: tensor<4x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  %bb = linalg.generic {indexing_maps = [#bias, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<4x16xf32>
  %s = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%y, %bb : tensor<4x16xf32>, tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x16xf32>
  return %s : tensor<4x16xf32>
}

// Not fused: the consumer reads the producer's result transposed (element
// (j, i) at iteration (i, j), which another iteration of the merged loop
// would compute).
// CHECK-LABEL: func @transposed_consumer
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @transposed_consumer(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %e = tensor.empty() : tensor<4x4xf32>
  %p = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.mulf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %c = linalg.generic {indexing_maps = [#t2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.addf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %c : tensor<4x4xf32>
}

// MM-RS-C-AG after coco-reorder: the bias broadcast over the whole
// activation is sliced for this rank. The slice moves before the broadcast
// (b sliced along H where the slice cuts H), which then fuses into the add:
// one loop over this rank's slice, no broadcast of the whole activation.
// CHECK-LABEL: func @sliced_broadcast
// CHECK-SAME: (%[[Y:[^:]*]]: tensor<4x8xf32>, %[[B:[^:]*]]: tensor<16xf32>, %[[OFF:[^:]*]]: index)
// CHECK: %[[BS:.*]] = tensor.extract_slice %[[B]][%[[OFF]]] [8] [1] : tensor<16xf32> to tensor<8xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[BS]], %[[Y]] : tensor<8xf32>, tensor<4x8xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @sliced_broadcast(%y: tensor<4x8xf32>, %b: tensor<16xf32>, %off: index) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  %bb = linalg.generic {indexing_maps = [#bias, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<4x16xf32>
  %slice = tensor.extract_slice %bb[0, %off] [4, 8] [1, 1] : tensor<4x16xf32> to tensor<4x8xf32>
  %e2 = tensor.empty() : tensor<4x8xf32>
  %s = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%y, %slice : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e2 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// Left: a slice of an op that uses linalg.index (dropout's global
// position) stays after it; moving it would make the index slice-relative.
// CHECK-LABEL: func @sliced_indexed
// CHECK: linalg.generic
// CHECK: linalg.index
// CHECK: tensor.extract_slice
func.func @sliced_indexed(%x: tensor<16xf32>, %off: index) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<16xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %r = arith.addf %v, %f : f32
    linalg.yield %r : f32
  } -> tensor<16xf32>
  %s = tensor.extract_slice %p[%off] [8] [1] : tensor<16xf32> to tensor<8xf32>
  return %s : tensor<8xf32>
}

// RS-C-AG of a mixed-precision step: the updated slice is all_gathered
// (another user of the loop) before its bf16 copy is made. The copy's loop
// moves up into the update's (with its destination, made after the gather):
// one loop writes both, before the gather.
coco.grid @dp(shape = [?])
// CHECK-LABEL: func @consumer_after_other_user
// CHECK: %[[E:.*]] = tensor.empty(%arg1) : tensor<?xbf16>
// CHECK: %[[F:.*]]:2 = linalg.generic
// CHECK-SAME: outs(%{{.*}}, %[[E]] : tensor<?xf32>, tensor<?xbf16>)
// CHECK: arith.mulf
// CHECK: arith.truncf
// CHECK-NOT: linalg.generic
// CHECK: coco.comm.all_gather %[[F]]#0
// CHECK: return %{{.*}}, %[[F]]#1
func.func @consumer_after_other_user(%x: tensor<?xf32>, %n: index) -> (tensor<16xf32>, tensor<?xbf16>) {
  %e = tensor.empty(%n) : tensor<?xf32>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<?xf32>
  %ge = tensor.empty() : tensor<16xf32>
  %g = coco.comm.all_gather %w into %ge dim 0 on @dp[0] : tensor<?xf32>, tensor<16xf32> -> tensor<16xf32>
  %el = tensor.empty(%n) : tensor<?xbf16>
  %lp = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : tensor<?xf32>) outs(%el : tensor<?xbf16>) {
  ^bb0(%a: f32, %o: bf16):
    %t = arith.truncf %a : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<?xbf16>
  return %g, %lp : tensor<16xf32>, tensor<?xbf16>
}

// Not moved up: the consumer reads a scalar computed from the gather (its
// payload captures it), or a value made from the gather's result. Each
// stays a loop of its own after the gather.
// CHECK-LABEL: func @consumer_captures_later_scalar
// CHECK: linalg.generic
// CHECK: coco.comm.all_gather
// CHECK: tensor.extract
// CHECK: linalg.generic
// CHECK-LABEL: func @consumer_reads_later_value
// CHECK: linalg.generic
// CHECK: coco.comm.all_gather
// CHECK: tensor.extract_slice
// CHECK: linalg.generic
func.func @consumer_captures_later_scalar(%x: tensor<8xf32>) -> (tensor<16xf32>, tensor<8xf32>) {
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<8xf32>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %ge = tensor.empty() : tensor<16xf32>
  %g = coco.comm.all_gather %w into %ge dim 0 on @dp[0] : tensor<8xf32>, tensor<16xf32> -> tensor<16xf32>
  %s = tensor.extract %g[%c0] : tensor<16xf32>
  %e2 = tensor.empty() : tensor<8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : tensor<8xf32>) outs(%e2 : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  return %g, %y : tensor<16xf32>, tensor<8xf32>
}
func.func @consumer_reads_later_value(%x: tensor<8xf32>) -> (tensor<16xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %ge = tensor.empty() : tensor<16xf32>
  %g = coco.comm.all_gather %w into %ge dim 0 on @dp[0] : tensor<8xf32>, tensor<16xf32> -> tensor<16xf32>
  %h = tensor.extract_slice %g[0] [8] [1] : tensor<16xf32> to tensor<8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%w, %h : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.addf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  return %g, %y : tensor<16xf32>, tensor<8xf32>
}

// Adam's RS-C-AG: the update of w reads m and v (each all_gathered first), a
// slice of w and scalars computed from arguments after the gathers (the
// bias corrections). The scalars' ops and the slice move up with it: one
// loop before both gathers.
// CHECK-LABEL: func @consumer_moves_up_with_its_inputs
// CHECK: math.powf
// CHECK: arith.subf
// CHECK: tensor.extract_slice %arg1
// CHECK: %[[F:.*]]:2 = linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: coco.comm.all_gather %[[F]]#0
// CHECK: return %{{.*}}, %[[F]]#1
func.func @consumer_moves_up_with_its_inputs(%x: tensor<8xf32>, %w: tensor<16xf32>, %b: f32, %t: f32, %off: index) -> (tensor<16xf32>, tensor<8xf32>) {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.mulf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %ge = tensor.empty() : tensor<16xf32>
  %g = coco.comm.all_gather %m into %ge dim 0 on @dp[0] : tensor<8xf32>, tensor<16xf32> -> tensor<16xf32>
  %pw = math.powf %b, %t : f32
  %c = arith.subf %one, %pw : f32
  %ws = tensor.extract_slice %w[%off] [8] [1] : tensor<16xf32> to tensor<8xf32>
  %e2 = tensor.empty() : tensor<8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%m, %ws : tensor<8xf32>, tensor<8xf32>) outs(%e2 : tensor<8xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %d = arith.divf %a, %c : f32
    %s = arith.subf %v, %d : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %g, %y : tensor<16xf32>, tensor<8xf32>
}

// A failed move-up leaves nothing to move for another producer: %p1 cannot
// merge at its place (the consumer captures %bad, read from %p1), %p2 then
// merges at the consumer's place, and %v, %w stay where they are.
// CHECK-LABEL: func @stale_moveup
// CHECK: %[[V:.*]] = arith.addf %arg2, %arg2
// CHECK: linalg.generic
// CHECK: tensor.extract
// CHECK: arith.mulf %[[V]], %[[V]]
// CHECK: linalg.generic
// CHECK: arith.negf
// CHECK: return
func.func @stale_moveup(%a: tensor<4xf32>, %b: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %e0 = tensor.empty() : tensor<4xf32>
  %p2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%b : tensor<4xf32>) outs(%e0 : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = arith.negf %x : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %v = arith.addf %s, %s : f32
  %e1 = tensor.empty() : tensor<4xf32>
  %p1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = arith.mulf %x, %x : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %bad = tensor.extract %p1[%c0] : tensor<4xf32>
  %w = arith.mulf %v, %v : f32
  %e2 = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%p1, %p2 : tensor<4xf32>, tensor<4xf32>) outs(%e2 : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = arith.mulf %x, %w : f32
    %u = arith.addf %t, %bad : f32
    %z = arith.addf %u, %y : f32
    linalg.yield %z : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// Not moved up: the consumer's payload reads memory (memref.load of %m),
// which a store between the producer and the consumer writes.
// CHECK-LABEL: func @memref_capture
// CHECK: linalg.generic
// CHECK: memref.store
// CHECK: linalg.generic
// CHECK: memref.load
func.func @memref_capture(%a: tensor<4xf32>, %m: memref<1xf32>) -> (f32, tensor<4xf32>) {
  %c0 = arith.constant 0 : index
  %e1 = tensor.empty() : tensor<4xf32>
  %p1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = arith.mulf %x, %x : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %s = tensor.extract %p1[%c0] : tensor<4xf32>
  memref.store %s, %m[%c0] : memref<1xf32>
  %e2 = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p1 : tensor<4xf32>) outs(%e2 : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %l = memref.load %m[%c0] : memref<1xf32>
    %t = arith.mulf %x, %l : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  return %s, %r : f32, tensor<4xf32>
}

// A reduction to a scalar of a loop's value joins the loop as a 0-d
// accumulator (LAMB's norm of its update): the squares are never stored.
// Its loop becomes a reduction; the update it feeds, which reads the norm,
// stays a loop of its own after it.
#to_scalar = affine_map<(i) -> ()>
// CHECK-LABEL: func @norm_joins_loop
// CHECK: %[[F:.*]]:2 = linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK-SAME: ins(%arg0, %arg1 : tensor<8xf32>, tensor<8xf32>) outs(%{{.*}}, %{{.*}} : tensor<8xf32>, tensor<f64>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32, %[[ACC:.*]]: f64):
// CHECK: %[[U:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK: %[[SQ:.*]] = arith.mulf %[[U]], %[[U]] : f32
// CHECK: %[[WIDE:.*]] = arith.extf %[[SQ]] : f32 to f64
// CHECK: %[[SUM:.*]] = arith.addf %[[ACC]], %[[WIDE]] fastmath<reassoc> : f64
// CHECK: linalg.yield %[[U]], %[[SUM]] : f32, f64
// CHECK-NOT: linalg.reduce
// CHECK: %[[NORM64:.*]] = tensor.extract %[[F]]#1[]
// CHECK: %[[NORM:.*]] = arith.truncf %[[NORM64]]
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel"]
// CHECK-SAME: ins(%[[F]]#0, %arg0 : tensor<8xf32>, tensor<8xf32>)
// CHECK: arith.mulf %{{.*}}, %[[NORM]]
// reductions=false (coco-lower-to-gpu, whose reduction kernels take a
// reduction on its own): the squares' loop and the reduction stay apart.
// APART-LABEL: func @norm_joins_loop
// APART: linalg.generic
// APART-SAME: iterator_types = ["parallel"]
// APART: linalg.reduce
// APART: linalg.generic
// APART-SAME: iterator_types = ["parallel"]
// APART-LABEL: func @two_norms_one_loop
func.func @norm_joins_loop(%x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<8xf32>
  %u = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %y : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%u : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %ae = tensor.empty() : tensor<f64>
  %init = linalg.fill ins(%zero : f64) outs(%ae : tensor<f64>) -> tensor<f64>
  %sum = linalg.reduce ins(%sq : tensor<8xf32>) outs(%init : tensor<f64>) dimensions = [0]
    (%in: f32, %acc: f64) {
      %w = arith.extf %in : f32 to f64
      %s = arith.addf %acc, %w fastmath<reassoc> : f64
      linalg.yield %s : f64
    }
  %norm64 = tensor.extract %sum[] : tensor<f64>
  %norm = arith.truncf %norm64 : f64 to f32
  %upd = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%u, %x : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.mulf %a, %norm : f32
    %r = arith.subf %b, %s : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %upd : tensor<8xf32>
}

// Two reductions of the loop's values join the same loop, one accumulator
// each, also with dynamic sizes (each reduction reads a result of the loop).
// A reduction of an argument (no loop makes it) is the loop's sibling: it
// reads the argument the loop reads, so it joins as a third accumulator.
// CHECK-LABEL: func @two_norms_one_loop
// CHECK: %[[F:.*]]:4 = linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK-SAME: ins(%arg0 : tensor<?xf32>) outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?xf32>, tensor<f64>, tensor<f64>, tensor<f64>)
// CHECK: ^bb0(%[[IN:[^:]*]]: f32,
// CHECK: arith.negf
// CHECK: arith.mulf
// CHECK: %[[WIDE:.*]] = arith.extf %[[IN]] : f32 to f64
// CHECK: %[[SX:.*]] = arith.addf %{{.*}}, %[[WIDE]] fastmath<reassoc> : f64
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %{{.*}}, %[[SX]] : f32, f64, f64, f64
// CHECK-NOT: linalg.reduce
// CHECK-NOT: linalg.generic
// CHECK: return %[[F]]#0, %[[F]]#1, %[[F]]#2, %[[F]]#3
func.func @two_norms_one_loop(%x: tensor<?xf32>, %n: index) -> (tensor<?xf32>, tensor<f64>, tensor<f64>, tensor<f64>) {
  %zero = arith.constant 0.0 : f64
  %e = tensor.empty(%n) : tensor<?xf32>
  %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %v = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%u : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %ae = tensor.empty() : tensor<f64>
  %init = linalg.fill ins(%zero : f64) outs(%ae : tensor<f64>) -> tensor<f64>
  %su = linalg.reduce ins(%u : tensor<?xf32>) outs(%init : tensor<f64>) dimensions = [0]
    (%in: f32, %acc: f64) {
      %w = arith.extf %in : f32 to f64
      %s = arith.addf %acc, %w fastmath<reassoc> : f64
      linalg.yield %s : f64
    }
  %sv = linalg.reduce ins(%v : tensor<?xf32>) outs(%init : tensor<f64>) dimensions = [0]
    (%in: f32, %acc: f64) {
      %w = arith.extf %in : f32 to f64
      %s = arith.addf %acc, %w fastmath<reassoc> : f64
      linalg.yield %s : f64
    }
  %sx = linalg.reduce ins(%x : tensor<?xf32>) outs(%init : tensor<f64>) dimensions = [0]
    (%in: f32, %acc: f64) {
      %w = arith.extf %in : f32 to f64
      %s = arith.addf %acc, %w fastmath<reassoc> : f64
      linalg.yield %s : f64
    }
  return %v, %su, %sv, %sx : tensor<?xf32>, tensor<f64>, tensor<f64>, tensor<f64>
}

// Not merged: a loop reading the accumulator of the loop it would join
// (broadcast to every iteration; it is complete only after that loop), and
// a reduction over one dim of two (its result is not a scalar).
// CHECK-LABEL: func @reductions_left_alone
// CHECK: %[[F:.*]]:2 = linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel"]
// CHECK-SAME: ins(%[[F]]#0, %[[F]]#1 : tensor<8xf32>, tensor<f64>)
// A reduction whose operand another op reads before it moves up to the
// loop, with its initial value (the fill): the other op reads the merged
// loop's result.
// CHECK-LABEL: func @reduction_after_other_user
// CHECK: linalg.fill
// CHECK: %[[M:.*]]:2 = linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK: tensor.extract %[[M]]#0
// CHECK-NOT: linalg.reduce
// CHECK: return %{{.*}}, %[[M]]#1
// CHECK-LABEL: func @partial_reduction
// CHECK: linalg.generic
// CHECK: linalg.reduce
func.func @reductions_left_alone(%x: tensor<8xf32>) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<8xf32>
  %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %ae = tensor.empty() : tensor<f64>
  %init = linalg.fill ins(%zero : f64) outs(%ae : tensor<f64>) -> tensor<f64>
  %su = linalg.reduce ins(%u : tensor<8xf32>) outs(%init : tensor<f64>) dimensions = [0]
    (%in: f32, %acc: f64) {
      %w = arith.extf %in : f32 to f64
      %s = arith.addf %acc, %w fastmath<reassoc> : f64
      linalg.yield %s : f64
    }
  %scaled = linalg.generic {indexing_maps = [#id, #to_scalar, #id], iterator_types = ["parallel"]}
      ins(%u, %su : tensor<8xf32>, tensor<f64>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %s: f64, %o: f32):
    %t = arith.truncf %s : f64 to f32
    %r = arith.mulf %a, %t : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %scaled : tensor<8xf32>
}
func.func @reduction_after_other_user(%x: tensor<8xf32>) -> (f32, tensor<f64>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<8xf32>
  %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %first = tensor.extract %u[%c0] : tensor<8xf32>
  %ae = tensor.empty() : tensor<f64>
  %init = linalg.fill ins(%zero : f64) outs(%ae : tensor<f64>) -> tensor<f64>
  %su = linalg.reduce ins(%u : tensor<8xf32>) outs(%init : tensor<f64>) dimensions = [0]
    (%in: f32, %acc: f64) {
      %w = arith.extf %in : f32 to f64
      %s = arith.addf %acc, %w fastmath<reassoc> : f64
      linalg.yield %s : f64
    }
  return %first, %su : f32, tensor<f64>
}
func.func @partial_reduction(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %u = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %re = tensor.empty() : tensor<4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%re : tensor<4xf32>) -> tensor<4xf32>
  %rows = linalg.reduce ins(%u : tensor<4x8xf32>) outs(%init : tensor<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %acc, %in : f32
      linalg.yield %s : f32
    }
  return %rows : tensor<4xf32>
}

// A reduction over both dims of a 2-D loop joins it (both loops become
// reductions).
// CHECK-LABEL: func @full_reduction_2d
// CHECK: %[[F:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["reduction", "reduction"]
// CHECK-SAME: ins(%arg0 : tensor<4x8xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK: arith.negf
// CHECK: arith.addf
// CHECK-NOT: linalg.reduce
// CHECK: return %[[F]]
func.func @full_reduction_2d(%x: tensor<4x8xf32>) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %u = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %re = tensor.empty() : tensor<f32>
  %init = linalg.fill ins(%zero : f32) outs(%re : tensor<f32>) -> tensor<f32>
  %sum = linalg.reduce ins(%u : tensor<4x8xf32>) outs(%init : tensor<f32>) dimensions = [0, 1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %acc, %in : f32
      linalg.yield %s : f32
    }
  return %sum : tensor<f32>
}

// reductions=false: an elementwise loop does not merge into a loop that
// already accumulates (input made with reductions on).
// APART-LABEL: func @into_accumulating_loop
// APART: linalg.generic
// APART-SAME: iterator_types = ["reduction"]
// APART: linalg.generic
// APART-SAME: iterator_types = ["parallel"]
// CHECK-LABEL: func @into_accumulating_loop
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK-NOT: linalg.generic
func.func @into_accumulating_loop(%x: tensor<8xf32>, %acc: tensor<f64>) -> (tensor<f64>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %u:2 = linalg.generic {indexing_maps = [#id, #id, #to_scalar], iterator_types = ["reduction"]}
      ins(%x : tensor<8xf32>) outs(%e, %acc : tensor<8xf32>, tensor<f64>) {
  ^bb0(%a: f32, %o: f32, %s: f64):
    %n = arith.negf %a : f32
    %w = arith.extf %a : f32 to f64
    %t = arith.addf %s, %w : f64
    linalg.yield %n, %t : f32, f64
  } -> (tensor<8xf32>, tensor<f64>)
  %v = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%u#0 : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %u#1, %v : tensor<f64>, tensor<8xf32>
}

// Siblings: two loops reading the same array element by element, neither
// reading what the other computes, merge into one loop that reads it once
// (LAMB's norm of its weights, a linalg.reduce, and the loop that reads
// the weights to make the update). The later loop moves up to the earlier one's place, over the extract of
// the earlier one's sum, with its destination. reductions=false: the
// accumulating loop stays apart.
// CHECK-LABEL: func @siblings_merge
// CHECK-SAME: (%[[W:.*]]: tensor<8xf32>, %[[G:.*]]: tensor<8xf32>)
// CHECK: %[[F:.*]]:2 = linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK-SAME: ins(%[[W]], %[[G]] : tensor<8xf32>, tensor<8xf32>) outs(%{{.*}}, %{{.*}} : tensor<f64>, tensor<8xf32>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[ACC:.*]]: f64, %{{.*}}: f32):
// CHECK: %[[SQ:.*]] = arith.mulf %[[A]], %[[A]] : f32
// CHECK: %[[SUM:.*]] = arith.addf %[[ACC]], %{{.*}} fastmath<reassoc> : f64
// CHECK: %[[D:.*]] = arith.subf %[[A]], %[[B]] : f32
// CHECK: linalg.yield %[[SUM]], %[[D]] : f64, f32
// CHECK: %[[N:.*]] = tensor.extract %[[F]]#0[]
// CHECK-NOT: linalg.generic
// CHECK: return %[[N]], %[[F]]#1
// APART-LABEL: func @siblings_merge
// APART: linalg.reduce
// APART: linalg.generic
// APART-SAME: iterator_types = ["parallel"]
func.func @siblings_merge(%w: tensor<8xf32>, %g: tensor<8xf32>) -> (f64, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f64
  %ae = tensor.empty() : tensor<f64>
  %init = linalg.fill ins(%zero : f64) outs(%ae : tensor<f64>) -> tensor<f64>
  %sq = linalg.reduce ins(%w : tensor<8xf32>) outs(%init : tensor<f64>) dimensions = [0]
    (%a: f32, %acc: f64) {
      %s = arith.mulf %a, %a : f32
      %x = arith.extf %s : f32 to f64
      %t = arith.addf %acc, %x fastmath<reassoc> : f64
      linalg.yield %t : f64
    }
  %n = tensor.extract %sq[] : tensor<f64>
  %e = tensor.empty() : tensor<8xf32>
  %u = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%w, %g : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<8xf32>
  return %n, %u : f64, tensor<8xf32>
}

// Elementwise siblings merge with reductions=false too (coco-lower-to-gpu:
// one kernel).
// CHECK-LABEL: func @elementwise_siblings
// CHECK: %[[F:.*]]:2 = linalg.generic
// CHECK-SAME: iterator_types = ["parallel"]
// CHECK-SAME: ins(%arg0 : tensor<8xf32>)
// CHECK: arith.negf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: return %[[F]]#0, %[[F]]#1
// APART-LABEL: func @elementwise_siblings
// APART: %[[F:.*]]:2 = linalg.generic
// APART-SAME: iterator_types = ["parallel"]
// APART-NOT: linalg.generic
// APART: return %[[F]]#0, %[[F]]#1
func.func @elementwise_siblings(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.negf %v : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.mulf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %a, %b : tensor<8xf32>, tensor<8xf32>
}

// Not siblings: a loop that reads the earlier loop's sum (LAMB's update of
// w, scaled by the trust ratio the norm gives) depends on it and stays
// after it; so does one that reads the earlier loop's result through an op
// that cannot move (a call); and a loop reading the array transposed
// iterates another way.
// CHECK-LABEL: func @not_siblings
// CHECK: %[[S:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK: tensor.extract %[[S]][]
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0 : tensor<8xf32>)
// CHECK: call @opaque
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0, %{{.*}} : tensor<8xf32>, tensor<8xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg1 : tensor<4x4xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg1 : tensor<4x4xf32>)
func.func private @opaque(tensor<8xf32>) -> tensor<8xf32>
#swap = affine_map<(i, j) -> (j, i)>
func.func @not_siblings(%w: tensor<8xf32>, %m: tensor<4x4xf32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %zero = arith.constant 0.0 : f64
  %ae = tensor.empty() : tensor<f64>
  %init = linalg.fill ins(%zero : f64) outs(%ae : tensor<f64>) -> tensor<f64>
  %sq = linalg.generic {indexing_maps = [#id, #to_scalar], iterator_types = ["reduction"]}
      ins(%w : tensor<8xf32>) outs(%init : tensor<f64>) {
  ^bb0(%a: f32, %acc: f64):
    %x = arith.extf %a : f32 to f64
    %t = arith.addf %acc, %x fastmath<reassoc> : f64
    linalg.yield %t : f64
  } -> tensor<f64>
  %n64 = tensor.extract %sq[] : tensor<f64>
  %n = arith.truncf %n64 : f64 to f32
  %e = tensor.empty() : tensor<8xf32>
  %scaled = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %n : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %other = func.call @opaque(%scaled) : (tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%w, %other : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  %p = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<4x4xf32>) outs(%e2 : tensor<4x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  %q = linalg.generic {indexing_maps = [#swap, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<4x4xf32>) outs(%e2 : tensor<4x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %scaled, %sum, %p, %q : tensor<8xf32>, tensor<8xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}

// A reduction to a scalar takes in an elementwise loop that only it reads
// (a norm's squares, computed from a slice by coco-reorder), also with
// reductions=false: the merged loop is still a reduction on its own (one
// 0-d result), the shape coco-gpu-reductions makes a kernel of, and the
// squares are never stored.
// CHECK-LABEL: func @squares_into_reduction
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK-SAME: ins(%arg0 : tensor<8xf32>) outs(%{{.*}} : tensor<f64>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.reduce
// CHECK: return %[[R]]
// APART-LABEL: func @squares_into_reduction
// APART: %[[R:.*]] = linalg.generic
// APART-SAME: iterator_types = ["reduction"]
// APART-SAME: ins(%arg0 : tensor<8xf32>) outs(%{{.*}} : tensor<f64>)
// APART: arith.mulf
// APART: arith.addf
// APART-NOT: linalg.reduce
// APART: return %[[R]]
func.func @squares_into_reduction(%x: tensor<8xf32>) -> tensor<f64> {
  %zero = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<8xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %ae = tensor.empty() : tensor<f64>
  %init = linalg.fill ins(%zero : f64) outs(%ae : tensor<f64>) -> tensor<f64>
  %sum = linalg.reduce ins(%sq : tensor<8xf32>) outs(%init : tensor<f64>) dimensions = [0]
    (%in: f32, %acc: f64) {
      %w = arith.extf %in : f32 to f64
      %s = arith.addf %acc, %w fastmath<reassoc> : f64
      linalg.yield %s : f64
    }
  return %sum : tensor<f64>
}
