// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-update-in-place))" | FileCheck %s

#id = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#t2 = affine_map<(d0, d1) -> (d1, d0)>

coco.grid @dp(shape = [2])

// An SGD step as coco.update bufferizes: the loop reads w elementwise and
// writes a temporary, copied into w at the end. The loop writes w itself.
// CHECK-LABEL: func @sgd
// CHECK-SAME: (%[[W:.*]]: memref<8xf32>, %[[G:.*]]: memref<8xf32>
// CHECK-NOT: memref.alloc
// CHECK: linalg.generic {{.*}} ins(%[[G]], %[[W]] : memref<8xf32>, memref<8xf32>) outs(%[[W]] : memref<8xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @sgd(%w: memref<8xf32>, %g: memref<8xf32>, %lr: f32) {
  %tmp = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%g, %w : memref<8xf32>, memref<8xf32>) outs(%tmp : memref<8xf32>) {
  ^bb0(%gi: f32, %wi: f32, %o: f32):
    %d = arith.mulf %gi, %lr : f32
    %n = arith.subf %wi, %d : f32
    linalg.yield %n : f32
  }
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}

// LAMB's loop with its norm folded in (coco-fuse-elementwise): its loop is
// a reduction, which orders the iterations, yet each still writes its own
// element of the new weights: they go into w, and the sum into its buffer.
// CHECK-LABEL: func @loop_with_norm
// CHECK-SAME: (%[[W:.*]]: memref<8xf32>, %[[G:.*]]: memref<8xf32>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<f64>
// CHECK-NOT: memref.alloc
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[G]], %[[W]] : memref<8xf32>, memref<8xf32>) outs(%[[W]], %[[ACC]] : memref<8xf32>, memref<f64>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @loop_with_norm(%w: memref<8xf32>, %g: memref<8xf32>, %lr: f32) -> memref<f64> {
  %tmp = memref.alloc() : memref<8xf32>
  %acc = memref.alloc() : memref<f64>
  linalg.generic {indexing_maps = [#id, #id, #id, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%g, %w : memref<8xf32>, memref<8xf32>) outs(%tmp, %acc : memref<8xf32>, memref<f64>) {
  ^bb0(%gi: f32, %wi: f32, %o: f32, %a: f64):
    %d = arith.mulf %gi, %lr : f32
    %n = arith.subf %wi, %d : f32
    %sq = arith.mulf %d, %d : f32
    %e = arith.extf %sq : f32 to f64
    %s = arith.addf %a, %e fastmath<reassoc> : f64
    linalg.yield %n, %s : f32, f64
  }
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return %acc : memref<f64>
}

// Adam's v: the buffer first holds the all_reduced gradient, then the loop
// reads it and v and writes v's new value over it. The all_reduce keeps
// the temporary, the loop's destination becomes v, and its inputs stay.
// CHECK-LABEL: func @reused_temporary
// CHECK-SAME: (%[[V:.*]]: memref<8xf32>, %[[G:.*]]: memref<8xf32>)
// CHECK: %[[T:.*]] = memref.alloc() : memref<8xf32>
// CHECK: coco.comm.all_reduce sum %[[G]] into %[[T]]
// CHECK: linalg.generic {{.*}} ins(%[[T]], %[[V]] : memref<8xf32>, memref<8xf32>) outs(%[[V]] : memref<8xf32>)
// CHECK-NOT: memref.copy
func.func @reused_temporary(%v: memref<8xf32>, %g: memref<8xf32>) {
  %tmp = memref.alloc() : memref<8xf32>
  coco.comm.all_reduce sum %g into %tmp on @dp[0] : memref<8xf32>, memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%tmp, %v : memref<8xf32>, memref<8xf32>) outs(%tmp : memref<8xf32>) {
  ^bb0(%gi: f32, %vi: f32, %o: f32):
    %s = arith.mulf %gi, %gi : f32
    %n = arith.addf %vi, %s : f32
    linalg.yield %n : f32
  }
  memref.copy %tmp, %v : memref<8xf32> to memref<8xf32>
  return
}

// Shard-state: the update reads a slice of w (a view) and the all_gather
// of the new slices is the last writer: it gathers into w directly.
// CHECK-LABEL: func @gather_into_weights
// CHECK-SAME: (%[[W:.*]]: memref<8xf32>, %[[S:.*]]: memref<4xf32>)
// CHECK: %[[VIEW:.*]] = memref.subview %[[W]]
// CHECK: linalg.generic {{.*}} ins(%[[VIEW]]
// CHECK: coco.comm.all_gather %[[S]] into %[[W]] dim 0
// CHECK-NOT: memref.copy
func.func @gather_into_weights(%w: memref<8xf32>, %slice: memref<4xf32>) {
  %view = memref.subview %w[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%view : memref<4xf32, strided<[1], offset: 4>>) outs(%slice : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.addf %x, %x : f32
    linalg.yield %n : f32
  }
  %tmp = memref.alloc() : memref<8xf32>
  coco.comm.all_gather %slice into %tmp dim 0 on @dp[0] : memref<4xf32>, memref<8xf32>
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}

// LAMB: w's norm is read after the update is computed, so only the last
// loop (which reads w elementwise) may write w; the earlier writer of the
// temporary keeps it.
// CHECK-LABEL: func @read_after_first_write
// CHECK-SAME: (%[[W:.*]]: memref<8xf32>, %[[N:.*]]: memref<f32>)
// CHECK: %[[T:.*]] = memref.alloc() : memref<8xf32>
// CHECK: linalg.generic {{.*}} ins(%[[W]] : memref<8xf32>) outs(%[[T]] : memref<8xf32>)
// CHECK: linalg.reduce ins(%[[W]] : memref<8xf32>) outs(%[[N]] : memref<f32>)
// CHECK: linalg.generic {{.*}} ins(%[[T]], %[[W]] : memref<8xf32>, memref<8xf32>) outs(%[[W]] : memref<8xf32>)
// CHECK-NOT: memref.copy
func.func @read_after_first_write(%w: memref<8xf32>, %norm: memref<f32>) {
  %tmp = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<8xf32>) outs(%tmp : memref<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.addf %x, %x : f32
    linalg.yield %n : f32
  }
  linalg.reduce ins(%w : memref<8xf32>) outs(%norm : memref<f32>) dimensions = [0]
    (%x: f32, %acc: f32) {
      %s = arith.addf %x, %acc : f32
      linalg.yield %s : f32
    }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%tmp, %w : memref<8xf32>, memref<8xf32>) outs(%tmp : memref<8xf32>) {
  ^bb0(%u: f32, %x: f32, %o: f32):
    %n = arith.subf %x, %u : f32
    linalg.yield %n : f32
  }
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}

// Left alone: w is read after the last write of the temporary.
// CHECK-LABEL: func @read_after_last_write
// CHECK: %[[T:.*]] = memref.alloc()
// CHECK: memref.copy %[[T]], %{{.*}}
func.func @read_after_last_write(%w: memref<8xf32>, %norm: memref<f32>) {
  %tmp = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<8xf32>) outs(%tmp : memref<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.addf %x, %x : f32
    linalg.yield %n : f32
  }
  linalg.reduce ins(%w : memref<8xf32>) outs(%norm : memref<f32>) dimensions = [0]
    (%x: f32, %acc: f32) {
      %s = arith.addf %x, %acc : f32
      linalg.yield %s : f32
    }
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}

// Left alone: a transpose reads element (j, i) of w while iteration (i, j)
// writes (i, j); written in place, later iterations would read new values.
// CHECK-LABEL: func @transposed_read
// CHECK: memref.copy
func.func @transposed_read(%w: memref<4x4xf32>) {
  %tmp = memref.alloc() : memref<4x4xf32>
  linalg.generic {indexing_maps = [#t2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%w : memref<4x4xf32>) outs(%tmp : memref<4x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  memref.copy %tmp, %w : memref<4x4xf32> to memref<4x4xf32>
  return
}

// Left alone: the loop accumulates into the temporary (its payload reads
// the old value), so it does not overwrite it.
// CHECK-LABEL: func @accumulates
// CHECK: memref.copy
func.func @accumulates(%w: memref<8xf32>, %g: memref<8xf32>) {
  %tmp = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g : memref<8xf32>) outs(%tmp : memref<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.addf %x, %o : f32
    linalg.yield %n : f32
  }
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}

// Left alone: the temporary is used through a view, and written after the
// copy (w would change with it).
// CHECK-LABEL: func @view_of_temporary
// CHECK: memref.copy %alloc, %arg0
// CHECK-LABEL: func @written_after_copy
// CHECK: memref.copy
// CHECK: linalg.fill
func.func @view_of_temporary(%w: memref<8xf32>, %x: memref<4xf32>) {
  %tmp = memref.alloc() : memref<8xf32>
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%tmp : memref<8xf32>)
  %view = memref.subview %tmp[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  memref.copy %x, %view : memref<4xf32> to memref<4xf32, strided<[1]>>
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}
func.func @written_after_copy(%w: memref<8xf32>) {
  %tmp = memref.alloc() : memref<8xf32>
  %c = arith.constant 0.0 : f32
  %d = arith.constant 1.0 : f32
  linalg.fill ins(%c : f32) outs(%tmp : memref<8xf32>)
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  linalg.fill ins(%d : f32) outs(%tmp : memref<8xf32>)
  return
}

// An all_to_all that writes all of its destination (resharding: split 1,
// concat 0) is the last writer of the temporary: it writes w directly.
// CHECK-LABEL: func @all_to_all_into_weights
// CHECK-SAME: (%[[W:.*]]: memref<4x1xf32>, %[[X:.*]]: memref<2x2xf32>)
// CHECK-NOT: memref.alloc
// CHECK: coco.comm.all_to_all %[[X]] into %[[W]] split 1 concat 0
// CHECK-NOT: memref.copy
func.func @all_to_all_into_weights(%w: memref<4x1xf32>, %x: memref<2x2xf32>) {
  %tmp = memref.alloc() : memref<4x1xf32>
  coco.comm.all_to_all %x into %tmp split 1 concat 0 on @dp[0] : memref<2x2xf32>, memref<4x1xf32>
  memref.copy %tmp, %w : memref<4x1xf32> to memref<4x1xf32>
  return
}

// Left alone: all_to_alls that keep part of their destination (its own
// block with skip_self, rows past a block in a window or in the slots of
// uneven blocks), whose copy carries the rest.
// CHECK-LABEL: func @all_to_all_skip_self
// CHECK: memref.copy %alloc, %arg0
// CHECK-LABEL: func @all_to_all_window
// CHECK: memref.copy %alloc, %arg0
// CHECK-LABEL: func @all_to_all_slots
// CHECK: memref.copy %alloc, %arg0
func.func @all_to_all_skip_self(%w: memref<8xf32>, %g: memref<8xf32>) {
  %tmp = memref.alloc() : memref<8xf32>
  coco.comm.all_to_all %g into %tmp split 0 concat 0 skip_self on @dp[0] : memref<8xf32>, memref<8xf32>
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}
func.func @all_to_all_window(%w: memref<4xf32>, %g: memref<7xf32>, %s: index) {
  %tmp = memref.alloc() : memref<4xf32>
  coco.comm.all_to_all %g into %tmp split 0 concat 0 window %s on @dp[0] : memref<7xf32>, memref<4xf32>
  memref.copy %tmp, %w : memref<4xf32> to memref<4xf32>
  return
}
func.func @all_to_all_slots(%w: memref<8xf32>, %g: memref<7xf32>) {
  %tmp = memref.alloc() : memref<8xf32>
  coco.comm.all_to_all %g into %tmp split 0 concat 0 on @dp[0] : memref<7xf32>, memref<8xf32>
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}

// Left alone: reduce writes the destination only on the root; a copy in a
// nested region; w returned to the caller.
// CHECK-LABEL: func @reduce_to_root
// CHECK: memref.copy %alloc, %arg0
// CHECK-LABEL: func @nested_copy
// CHECK: memref.copy %alloc, %arg0
// CHECK-LABEL: func @returned
// CHECK: memref.copy %alloc, %arg0
func.func @reduce_to_root(%w: memref<8xf32>, %g: memref<8xf32>) {
  %tmp = memref.alloc() : memref<8xf32>
  coco.comm.reduce sum %g into %tmp root 0 on @dp[0] : memref<8xf32>, memref<8xf32>
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}
func.func @nested_copy(%w: memref<8xf32>, %g: memref<8xf32>, %p: i1) {
  scf.if %p {
    %tmp = memref.alloc() : memref<8xf32>
    memref.copy %g, %tmp : memref<8xf32> to memref<8xf32>
    memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  }
  return
}
func.func @returned(%w: memref<8xf32>, %g: memref<8xf32>) -> memref<8xf32> {
  %tmp = memref.alloc() : memref<8xf32>
  memref.copy %g, %tmp : memref<8xf32> to memref<8xf32>
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return %w : memref<8xf32>
}

// RS-C-AG with shard-state: the loop updates this rank's slice of w (read
// through %own = w[rank * n, n)) into a temporary that is all_gathered
// into w. The loop writes %own itself and the gather runs in place.
// CHECK-LABEL: func @gather_in_place
// CHECK-SAME: (%[[W:[^:]*]]: memref<8xf32>, %[[G:[^:]*]]: memref<?xf32>)
// CHECK: %[[OWN:.*]] = memref.subview %[[W]]
// CHECK-NOT: memref.alloc
// CHECK: linalg.generic {{.*}} ins(%[[OWN]], %[[G]] : {{.*}}) outs(%[[OWN]] : memref<?xf32, strided<[1], offset: ?>>)
// CHECK: coco.comm.all_gather %[[OWN]] into %[[W]] dim 0 on @dp[0]
func.func @gather_in_place(%w: memref<8xf32>, %g: memref<?xf32>) {
  %c8 = arith.constant 8 : index
  %size = coco.axis_size @dp[0]
  %n = arith.divui %c8, %size : index
  %rank = coco.axis_rank @dp[0]
  %off = arith.muli %rank, %n : index
  %own = memref.subview %w[%off] [%n] [1] : memref<8xf32> to memref<?xf32, strided<[1], offset: ?>>
  %tmp = memref.alloc(%n) : memref<?xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%own, %g : memref<?xf32, strided<[1], offset: ?>>, memref<?xf32>) outs(%tmp : memref<?xf32>) {
  ^bb0(%x: f32, %d: f32, %o: f32):
    %n2 = arith.subf %x, %d : f32
    linalg.yield %n2 : f32
  }
  coco.comm.all_gather %tmp into %w dim 0 on @dp[0] : memref<?xf32>, memref<8xf32>
  return
}

// The same with a static slice (a grid of known size): offset rank * 4.
// CHECK-LABEL: func @gather_in_place_static
// CHECK-NOT: memref.alloc
// CHECK: coco.comm.all_gather %{{.*}} into %{{.*}} dim 0 on @dp[0] : memref<4xf32, strided<[1], offset: ?>>, memref<8xf32>
func.func @gather_in_place_static(%w: memref<8xf32>) {
  %c4 = arith.constant 4 : index
  %rank = coco.axis_rank @dp[0]
  %off = arith.muli %c4, %rank : index
  %own = memref.subview %w[%off] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: ?>>
  %tmp = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%own : memref<4xf32, strided<[1], offset: ?>>) outs(%tmp : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n2 = arith.addf %x, %x : f32
    linalg.yield %n2 : f32
  }
  coco.comm.all_gather %tmp into %w dim 0 on @dp[0] : memref<4xf32>, memref<8xf32>
  return
}

// Over a group of two axes of a [2, 3] grid (slices of 2 of 12, nested):
// offset = rank0 * 6 + rank1 * 2, localize's form for equal blocks. With
// the levels' sizes swapped (rank0 * 2 + rank1 * 6) the view is another
// rank's block: left alone.
coco.grid @g23(shape = [2, 3])
// CHECK-LABEL: func @gather_in_place_two_axes
// CHECK-NOT: memref.alloc
// CHECK: coco.comm.all_gather %{{.*}} into %{{.*}} dim 0 on @g23[0, 1] : memref<2xf32, strided<[1], offset: ?>>, memref<12xf32>
// CHECK-LABEL: func @gather_two_axes_wrong_levels
// CHECK: memref.alloc
func.func @gather_in_place_two_axes(%w: memref<12xf32>) {
  %c2 = arith.constant 2 : index
  %c6 = arith.constant 6 : index
  %r0 = coco.axis_rank @g23[0]
  %r1 = coco.axis_rank @g23[1]
  %t0 = arith.muli %r0, %c6 : index
  %t1 = arith.muli %r1, %c2 : index
  %off = arith.addi %t0, %t1 : index
  %own = memref.subview %w[%off] [2] [1] : memref<12xf32> to memref<2xf32, strided<[1], offset: ?>>
  %tmp = memref.alloc() : memref<2xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%own : memref<2xf32, strided<[1], offset: ?>>) outs(%tmp : memref<2xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n2 = arith.addf %x, %x : f32
    linalg.yield %n2 : f32
  }
  coco.comm.all_gather %tmp into %w dim 0 on @g23[0, 1] : memref<2xf32>, memref<12xf32>
  return
}
func.func @gather_two_axes_wrong_levels(%w: memref<12xf32>) {
  %c2 = arith.constant 2 : index
  %c6 = arith.constant 6 : index
  %r0 = coco.axis_rank @g23[0]
  %r1 = coco.axis_rank @g23[1]
  %t0 = arith.muli %r0, %c2 : index
  %t1 = arith.muli %r1, %c6 : index
  %off = arith.addi %t0, %t1 : index
  %own = memref.subview %w[%off] [2] [1] : memref<12xf32> to memref<2xf32, strided<[1], offset: ?>>
  %tmp = memref.alloc() : memref<2xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%own : memref<2xf32, strided<[1], offset: ?>>) outs(%tmp : memref<2xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n2 = arith.addf %x, %x : f32
    linalg.yield %n2 : f32
  }
  coco.comm.all_gather %tmp into %w dim 0 on @g23[0, 1] : memref<2xf32>, memref<12xf32>
  return
}

// Left alone: the view is not this rank's block (offset rank * 2 for
// slices of 4); w is read between the loop and the gather; the loop reads w
// other than through the block; a gather along dim 1 (blocks not
// contiguous).
// CHECK-LABEL: func @gather_wrong_block
// CHECK: memref.alloc
// CHECK-LABEL: func @gather_read_between
// CHECK: memref.alloc
// CHECK-LABEL: func @gather_reads_whole
// CHECK: memref.alloc
// CHECK-LABEL: func @gather_dim1
// CHECK: memref.alloc
func.func @gather_wrong_block(%w: memref<8xf32>) {
  %c2 = arith.constant 2 : index
  %rank = coco.axis_rank @dp[0]
  %off = arith.muli %rank, %c2 : index
  %own = memref.subview %w[%off] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: ?>>
  %tmp = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%own : memref<4xf32, strided<[1], offset: ?>>) outs(%tmp : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  coco.comm.all_gather %tmp into %w dim 0 on @dp[0] : memref<4xf32>, memref<8xf32>
  return
}
func.func @gather_read_between(%w: memref<8xf32>, %out: memref<8xf32>) {
  %c4 = arith.constant 4 : index
  %rank = coco.axis_rank @dp[0]
  %off = arith.muli %rank, %c4 : index
  %own = memref.subview %w[%off] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: ?>>
  %tmp = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%own : memref<4xf32, strided<[1], offset: ?>>) outs(%tmp : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  memref.copy %w, %out : memref<8xf32> to memref<8xf32>
  coco.comm.all_gather %tmp into %w dim 0 on @dp[0] : memref<4xf32>, memref<8xf32>
  return
}
func.func @gather_reads_whole(%w: memref<8xf32>) {
  %c4 = arith.constant 4 : index
  %rank = coco.axis_rank @dp[0]
  %off = arith.muli %rank, %c4 : index
  %own = memref.subview %w[%off] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: ?>>
  %first = memref.subview %w[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  %tmp = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%own, %first : memref<4xf32, strided<[1], offset: ?>>, memref<4xf32, strided<[1]>>) outs(%tmp : memref<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  coco.comm.all_gather %tmp into %w dim 0 on @dp[0] : memref<4xf32>, memref<8xf32>
  return
}
func.func @gather_dim1(%w: memref<2x8xf32>) {
  %c4 = arith.constant 4 : index
  %c0 = arith.constant 0 : index
  %rank = coco.axis_rank @dp[0]
  %off = arith.muli %rank, %c4 : index
  %own = memref.subview %w[0, %off] [2, 4] [1, 1] : memref<2x8xf32> to memref<2x4xf32, strided<[8, 1], offset: ?>>
  %tmp = memref.alloc() : memref<2x4xf32>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%own : memref<2x4xf32, strided<[8, 1], offset: ?>>) outs(%tmp : memref<2x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  coco.comm.all_gather %tmp into %w dim 1 on @dp[0] : memref<2x4xf32>, memref<2x8xf32>
  return
}

// Left alone: ops that are no views but return an alias of a buffer
// (memref.transpose, arith.select on memrefs) hide reads of w and uses of
// the temporary; a non-blocking all_reduce in place on the temporary (its
// wait must keep naming the buffer being read).
// CHECK-LABEL: func @transposed_alias
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x4xf32, strided<[1, 4]>> to memref<4x4xf32>
// CHECK: memref.copy %[[T:.*]], %{{.*}} : memref<4x4xf32> to memref<4x4xf32>
// CHECK-LABEL: func @selected_alias
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<8xf32> to memref<8xf32>
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<8xf32> to memref<8xf32>
// CHECK-LABEL: func @selected_temporary
// CHECK: memref.copy %alloc, %arg0
// CHECK-LABEL: func @nonblocking_in_place
// CHECK: coco.comm.iall_reduce sum %[[A:.*]] into %[[A]]
// CHECK: coco.comm.wait %{{.*}}, %[[A]], %[[A]]
// CHECK: memref.copy %[[A]], %arg0
func.func @transposed_alias(%w: memref<4x4xf32>, %g: memref<4x4xf32>, %out: memref<4x4xf32>) {
  %wt = memref.transpose %w (i, j) -> (j, i) : memref<4x4xf32> to memref<4x4xf32, strided<[1, 4]>>
  %tmp = memref.alloc() : memref<4x4xf32>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%g : memref<4x4xf32>) outs(%tmp : memref<4x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  memref.copy %wt, %out : memref<4x4xf32, strided<[1, 4]>> to memref<4x4xf32>
  memref.copy %tmp, %w : memref<4x4xf32> to memref<4x4xf32>
  return
}
func.func @selected_alias(%w: memref<8xf32>, %g: memref<8xf32>, %o: memref<8xf32>,
                          %out: memref<8xf32>, %p: i1) {
  %tmp = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g : memref<8xf32>) outs(%tmp : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  }
  %either = arith.select %p, %w, %o : memref<8xf32>
  memref.copy %either, %out : memref<8xf32> to memref<8xf32>
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}
func.func @selected_temporary(%w: memref<8xf32>, %g: memref<8xf32>, %o: memref<8xf32>, %p: i1) {
  %c = arith.constant 0.0 : f32
  %tmp = memref.alloc() : memref<8xf32>
  %either = arith.select %p, %tmp, %o : memref<8xf32>
  memref.copy %g, %tmp : memref<8xf32> to memref<8xf32>
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  linalg.fill ins(%c : f32) outs(%either : memref<8xf32>)
  return
}
func.func @nonblocking_in_place(%w: memref<8xf32>, %g: memref<8xf32>, %out: memref<8xf32>) {
  %tmp = memref.alloc() : memref<8xf32>
  memref.copy %g, %tmp : memref<8xf32> to memref<8xf32>
  memref.copy %w, %out : memref<8xf32> to memref<8xf32>
  %r = coco.comm.iall_reduce sum %tmp into %tmp on @dp[0] : memref<8xf32>, memref<8xf32>
  coco.comm.wait %r, %tmp, %tmp : memref<8xf32>, memref<8xf32>
  memref.copy %tmp, %w : memref<8xf32> to memref<8xf32>
  return
}

// LAMB: the temporary holds the update u first (its norm is taken), then the
// last loop turns it into the new slice of w. That loop writes w's block and
// the gather runs in place; the earlier uses keep the temporary.
// CHECK-LABEL: func @gather_in_place_after_uses
// CHECK-SAME: (%[[W:[^:]*]]: memref<8xf32>, %[[G:[^:]*]]: memref<4xf32>, %[[N:[^:]*]]: memref<f32>)
// CHECK: %[[OWN:.*]] = memref.subview %[[W]]
// CHECK: %[[T:.*]] = memref.alloc() : memref<4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[G]] : memref<4xf32>) outs(%[[T]] : memref<4xf32>)
// CHECK: linalg.reduce ins(%[[T]] : memref<4xf32>) outs(%[[N]] : memref<f32>)
// CHECK: linalg.generic {{.*}} ins(%[[T]], %[[OWN]] : {{.*}}) outs(%[[OWN]] : memref<4xf32, strided<[1], offset: ?>>)
// CHECK: coco.comm.all_gather %[[OWN]] into %[[W]] dim 0
func.func @gather_in_place_after_uses(%w: memref<8xf32>, %g: memref<4xf32>, %norm: memref<f32>) {
  %c4 = arith.constant 4 : index
  %rank = coco.axis_rank @dp[0]
  %off = arith.muli %rank, %c4 : index
  %own = memref.subview %w[%off] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: ?>>
  %tmp = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g : memref<4xf32>) outs(%tmp : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %d = arith.mulf %x, %x : f32
    linalg.yield %d : f32
  }
  linalg.reduce ins(%tmp : memref<4xf32>) outs(%norm : memref<f32>) dimensions = [0]
    (%x: f32, %acc: f32) {
      %s = arith.addf %x, %acc : f32
      linalg.yield %s : f32
    }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%tmp, %own : memref<4xf32>, memref<4xf32, strided<[1], offset: ?>>) outs(%tmp : memref<4xf32>) {
  ^bb0(%u: f32, %x: f32, %o: f32):
    %n2 = arith.subf %x, %u : f32
    linalg.yield %n2 : f32
  }
  coco.comm.all_gather %tmp into %w dim 0 on @dp[0] : memref<4xf32>, memref<8xf32>
  return
}

// Left alone: the gathered buffer is a view of another buffer, whose other
// aliases (here a fill of the whole buffer between the loop and the gather)
// the rewrite could not see.
// CHECK-LABEL: func @gather_into_view
// CHECK: memref.alloc
// CHECK: linalg.fill
// CHECK: coco.comm.all_gather %alloc
func.func @gather_into_view(%p: memref<16xf32>) {
  %z = arith.constant 0.0 : f32
  %w = memref.subview %p[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  %c4 = arith.constant 4 : index
  %rank = coco.axis_rank @dp[0]
  %off = arith.muli %c4, %rank : index
  %own = memref.subview %w[%off] [4] [1] : memref<8xf32, strided<[1]>> to memref<4xf32, strided<[1], offset: ?>>
  %tmp = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%own : memref<4xf32, strided<[1], offset: ?>>) outs(%tmp : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %d = arith.addf %x, %x : f32
    linalg.yield %d : f32
  }
  linalg.fill ins(%z : f32) outs(%p : memref<16xf32>)
  coco.comm.all_gather %tmp into %w dim 0 on @dp[0] : memref<4xf32>, memref<8xf32, strided<[1]>>
  return
}

// A loop that does not read the gathered buffer (the bf16 copy of updated
// weights: w_lp = bf16(w), its slice all_gathered into w_lp) writes into a
// view of this rank's block made for it, at the offset of the
// coco.local_block its slice's size comes from; the gather runs in place.
// CHECK-LABEL: func @gather_copy_in_place
// CHECK-SAME: (%[[W:[^:]*]]: memref<?xf32>, %[[LP:[^:]*]]: memref<8xbf16>)
// CHECK: %[[OFF:.*]], %[[SIZE:.*]] = coco.local_block
// CHECK-NOT: memref.alloc
// CHECK: %[[OWN:.*]] = memref.subview %[[LP]][%[[OFF]]] [%[[SIZE]]] [1] : memref<8xbf16> to memref<?xbf16, strided<[1], offset: ?>>
// CHECK: linalg.generic {{.*}} ins(%[[W]] : memref<?xf32>) outs(%[[OWN]] : memref<?xbf16, strided<[1], offset: ?>>)
// CHECK: coco.comm.all_gather %[[OWN]] into %[[LP]] dim 0 on @dp[0] : memref<?xbf16, strided<[1], offset: ?>>, memref<8xbf16>
func.func @gather_copy_in_place(%w: memref<?xf32>, %lp: memref<8xbf16>) {
  %c8 = arith.constant 8 : index
  %off, %size = coco.local_block %c8 on @dp[0]
  %tmp = memref.alloc(%size) : memref<?xbf16>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<?xf32>) outs(%tmp : memref<?xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  coco.comm.all_gather %tmp into %lp dim 0 on @dp[0] : memref<?xbf16>, memref<8xbf16>
  return
}

// Static slices: the offset is made as localize makes it (one helper,
// BlockOffsets.h), axis_rank * 4 on @dp, rank0 * 6 + rank1 * 2 over both
// axes of @g23.
// CHECK-LABEL: func @gather_copy_in_place_static
// CHECK-SAME: (%{{[^:]*}}: memref<4xf32>, %[[LP:[^:]*]]: memref<8xbf16>)
// CHECK-NOT: memref.alloc
// CHECK: %[[R:.*]] = coco.axis_rank @dp[0]
// CHECK: %[[N:.*]] = arith.constant 4 : index
// CHECK: %[[OFF:.*]] = arith.muli %[[R]], %[[N]]
// CHECK: %[[OWN:.*]] = memref.subview %[[LP]][%[[OFF]]] [4] [1]
// CHECK: outs(%[[OWN]] :
// CHECK: coco.comm.all_gather %[[OWN]] into %[[LP]]
// CHECK-LABEL: func @gather_copy_in_place_two_axes
// CHECK-NOT: memref.alloc
// CHECK: %[[R0:.*]] = coco.axis_rank @g23[0]
// CHECK: %[[N0:.*]] = arith.constant 6 : index
// CHECK: %[[T0:.*]] = arith.muli %[[R0]], %[[N0]]
// CHECK: %[[R1:.*]] = coco.axis_rank @g23[1]
// CHECK: %[[N1:.*]] = arith.constant 2 : index
// CHECK: %[[T1:.*]] = arith.muli %[[R1]], %[[N1]]
// CHECK: %[[OFF:.*]] = arith.addi %[[T0]], %[[T1]]
// CHECK: %[[OWN:.*]] = memref.subview %{{.*}}[%[[OFF]]] [2] [1]
// CHECK: coco.comm.all_gather %[[OWN]] into
func.func @gather_copy_in_place_static(%w: memref<4xf32>, %lp: memref<8xbf16>) {
  %tmp = memref.alloc() : memref<4xbf16>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<4xf32>) outs(%tmp : memref<4xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  coco.comm.all_gather %tmp into %lp dim 0 on @dp[0] : memref<4xbf16>, memref<8xbf16>
  return
}
func.func @gather_copy_in_place_two_axes(%w: memref<2xf32>, %lp: memref<12xbf16>) {
  %tmp = memref.alloc() : memref<2xbf16>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<2xf32>) outs(%tmp : memref<2xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  coco.comm.all_gather %tmp into %lp dim 0 on @g23[0, 1] : memref<2xbf16>, memref<12xbf16>
  return
}

// Left alone, and no view or offset left behind: w_lp read between the loop
// and the gather (the loop's write would change what the copy reads); a
// coco.local_block of another extent than the gathered dim (not the
// gather's blocks); a grid of unknown size with a static slice (no offset
// to make).
coco.grid @dq(shape = [?])
// CHECK-LABEL: func @gather_copy_read_between
// CHECK-NOT: memref.subview
// CHECK: memref.alloc
// CHECK-NOT: memref.subview
// CHECK: coco.comm.all_gather %alloc
// CHECK-LABEL: func @gather_copy_other_extent
// CHECK-NOT: memref.subview
// CHECK: coco.comm.all_gather %alloc
// CHECK-LABEL: func @gather_copy_unknown_grid
// CHECK-NOT: coco.axis_rank
// CHECK-NOT: memref.subview
// CHECK: coco.comm.all_gather %alloc
func.func @gather_copy_read_between(%w: memref<4xf32>, %lp: memref<8xbf16>, %out: memref<8xbf16>) {
  %tmp = memref.alloc() : memref<4xbf16>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<4xf32>) outs(%tmp : memref<4xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  memref.copy %lp, %out : memref<8xbf16> to memref<8xbf16>
  coco.comm.all_gather %tmp into %lp dim 0 on @dp[0] : memref<4xbf16>, memref<8xbf16>
  return
}
func.func @gather_copy_other_extent(%w: memref<?xf32>, %lp: memref<8xbf16>) {
  %c16 = arith.constant 16 : index
  %off, %size = coco.local_block %c16 on @dp[0]
  %tmp = memref.alloc(%size) : memref<?xbf16>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<?xf32>) outs(%tmp : memref<?xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  coco.comm.all_gather %tmp into %lp dim 0 on @dp[0] : memref<?xbf16>, memref<8xbf16>
  return
}
func.func @gather_copy_unknown_grid(%w: memref<4xf32>, %lp: memref<8xbf16>) {
  %tmp = memref.alloc() : memref<4xbf16>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<4xf32>) outs(%tmp : memref<4xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  coco.comm.all_gather %tmp into %lp dim 0 on @dq[0] : memref<4xbf16>, memref<8xbf16>
  return
}

// Left alone, defensively: a non-blocking all_reduce reading w_lp is started
// before the loop and waited for after the gather. (Such a program already
// breaks the non-blocking contract, the gather writing w_lp before the
// wait; the pass adds no write of its own while the transfer is in flight.)
// CHECK-LABEL: func @gather_copy_in_flight
// CHECK-NOT: memref.subview
// CHECK: coco.comm.all_gather %alloc into
func.func @gather_copy_in_flight(%w: memref<4xf32>, %lp: memref<8xbf16>, %sum: memref<8xbf16>) {
  %r = coco.comm.iall_reduce sum %lp into %sum on @dp[0] : memref<8xbf16>, memref<8xbf16>
  %tmp = memref.alloc() : memref<4xbf16>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<4xf32>) outs(%tmp : memref<4xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  coco.comm.all_gather %tmp into %lp dim 0 on @dp[0] : memref<4xbf16>, memref<8xbf16>
  coco.comm.wait %r, %lp, %sum : memref<8xbf16>, memref<8xbf16>
  return
}

// A gathered buffer made after the loop (an allocation one-shot
// bufferization places at the gather) has no block to write into before
// it exists: left alone. Made before the loop, it gets the view.
// CHECK-LABEL: func @gather_copy_alloc_after
// CHECK-NOT: memref.subview
// CHECK: coco.comm.all_gather %alloc into %alloc_0
// CHECK-LABEL: func @gather_copy_alloc_before
// CHECK: %[[LP:.*]] = memref.alloc() : memref<8xbf16>
// CHECK: %[[OWN:.*]] = memref.subview %[[LP]]
// CHECK: outs(%[[OWN]] :
// CHECK: coco.comm.all_gather %[[OWN]] into %[[LP]]
func.func private @use(memref<8xbf16>)
func.func @gather_copy_alloc_after(%w: memref<4xf32>) {
  %tmp = memref.alloc() : memref<4xbf16>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<4xf32>) outs(%tmp : memref<4xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  %lp = memref.alloc() : memref<8xbf16>
  coco.comm.all_gather %tmp into %lp dim 0 on @dp[0] : memref<4xbf16>, memref<8xbf16>
  func.call @use(%lp) : (memref<8xbf16>) -> ()
  return
}
func.func @gather_copy_alloc_before(%w: memref<4xf32>) {
  %lp = memref.alloc() : memref<8xbf16>
  %tmp = memref.alloc() : memref<4xbf16>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : memref<4xf32>) outs(%tmp : memref<4xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  coco.comm.all_gather %tmp into %lp dim 0 on @dp[0] : memref<4xbf16>, memref<8xbf16>
  func.call @use(%lp) : (memref<8xbf16>) -> ()
  return
}
