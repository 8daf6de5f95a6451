// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-chunk-exchange{chunk-bytes=64}))" | FileCheck %s
// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-chunk-exchange{chunk-bytes=64}))" --remarks-filter=coco-chunk-exchange -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-chunk-exchange{chunk-bytes=0}))" --remarks-filter=coco-chunk-exchange -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOCHUNK
// RUN: coco-opt %s --pass-pipeline="builtin.module(func.func(coco-chunk-exchange{chunk-bytes=64 warn-not-applied=true}))" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARN
// RUN: not coco-opt %s --pass-pipeline="builtin.module(func.func(coco-chunk-exchange{chunk-bytes=-1}))" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// coco-fuse-reduce-scatter's exchange, bufferized: every other rank's block
// of %x arrives in %recv, then one loop sums it with this rank's own block
// (and here also sums the squares into a scalar, as LAMB's norms do). With
// 64 bytes per peer, the 40 rows go in chunks of 16, 16 and 8: each chunk is
// exchanged into a [2, 16] buffer and summed right after.

coco.grid @dp(shape = [2])
coco.grid @quad(shape = [4])

#id = affine_map<(d0) -> (d0)>
#scalar = affine_map<(d0) -> ()>

// CHECK-LABEL: func @sum_and_norm
// CHECK-SAME: (%[[X:.*]]: memref<80xf32>, %[[M:.*]]: memref<40xf32>, %[[ACC:.*]]: memref<f64>)
// CHECK-NOT: memref.alloc() {{.*}} : memref<80xf32>
// CHECK: %[[OFF:.*]], %{{.*}} = coco.local_block
// CHECK: %[[PEER:.*]] = arith.remui
// CHECK: %[[OWN:.*]] = memref.subview %[[X]][%[[OFF]]] [40] [1]
// CHECK: %[[X2:.*]] = memref.expand_shape %[[X]] {{\[\[}}0, 1]] output_shape [2, 40] : memref<80xf32> into memref<2x40xf32>
// CHECK: %[[BUF:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x16xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C40:.*]] = arith.constant 40 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.for %[[S:.*]] = %[[C0]] to %[[C40]] step %[[C16]] {
// CHECK:   %[[LEFT:.*]] = arith.subi %[[C40]], %[[S]] : index
// CHECK:   %[[N:.*]] = arith.minsi %[[C16]], %[[LEFT]] : index
// CHECK:   %[[IN:.*]] = memref.subview %[[X2]][0, %[[S]]] [2, %[[N]]] [1, 1] : memref<2x40xf32> to memref<2x?xf32, strided<[40, 1], offset: ?>>
// CHECK:   %[[OUT:.*]] = memref.subview %[[BUF]][0, 0] [2, %[[N]]] [1, 1] : memref<2x16xf32> to memref<2x?xf32, strided<[16, 1]>>
// CHECK:   coco.comm.all_to_all %[[IN]] into %[[OUT]] split 0 concat 0 skip_self on @dp[0]
// CHECK:   %[[ROW:.*]] = arith.divui %[[PEER]], %[[C40]] : index
// CHECK:   %[[THEIRS:.*]] = memref.subview %[[BUF]][%[[ROW]], 0] [1, %[[N]]] [1, 1] : memref<2x16xf32> to memref<?xf32, strided<[1], offset: ?>>
// CHECK:   %[[MINE:.*]] = memref.subview %[[OWN]][%[[S]]] [%[[N]]] [1]
// CHECK:   %[[MS:.*]] = memref.subview %[[M]][%[[S]]] [%[[N]]] [1]
// CHECK:   linalg.generic {{.*}} ins(%[[THEIRS]], %[[MINE]] : {{.*}}) outs(%[[MS]], %[[ACC]] : {{.*}})
// CHECK:     linalg.yield
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NEXT: return
// REMARK: coco-chunk-exchange.mlir:[[@LINE+5]]:3: remark: [Passed] applied | Category:coco-chunk-exchange | Function=sum_and_norm | Remark="exchanged in chunks of 16 of 40 rows, each summed by the loop right after it arrives"
func.func @sum_and_norm(%x: memref<80xf32>, %m: memref<40xf32>, %acc: memref<f64>) {
  %c40 = arith.constant 40 : index
  %c80 = arith.constant 80 : index
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %off, %size = coco.local_block %c80 on @dp[0]
  %shifted = arith.addi %off, %c40 : index
  %peer = arith.remui %shifted, %c80 : index
  %theirs = memref.subview %recv[%peer] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: ?>>
  %own = memref.subview %x[%off] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: ?>>
  linalg.generic {indexing_maps = [#id, #id, #id, #scalar], iterator_types = ["reduction"]}
      ins(%theirs, %own : memref<40xf32, strided<[1], offset: ?>>, memref<40xf32, strided<[1], offset: ?>>)
      outs(%m, %acc : memref<40xf32>, memref<f64>) {
  ^bb0(%a: f32, %b: f32, %out: f32, %s: f64):
    %sum = arith.addf %a, %b : f32
    %square = arith.mulf %sum, %sum : f32
    %wide = arith.extf %square : f32 to f64
    %total = arith.addf %s, %wide : f64
    linalg.yield %sum, %total : f32, f64
  }
  return
}

// Rows of a 2-D buffer on 4 ranks: 8 rows of 3 per block; 64 bytes per peer
// hold one row (3 peers x 12 bytes = 36 <= 64 < 72): chunks of 1 row. A
// broadcast operand (no loop 0 in its map) is read whole by every chunk.
// CHECK-LABEL: func @rows
// CHECK: memref.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [4, 8, 3] : memref<32x3xf32> into memref<4x8x3xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<4x1x3xf32>
// CHECK: scf.for
// CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 0 concat 0 skip_self on @quad[0] : memref<4x?x3xf32, strided<[24, 3, 1], offset: ?>>, memref<4x?x3xf32, strided<[3, 3, 1]>>
// CHECK: memref.subview %{{.*}}[%{{.*}}, 0, 0] [1, %{{.*}}, 3] [1, 1, 1] : memref<4x1x3xf32> to memref<?x3xf32, strided<[3, 1], offset: ?>>
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : memref<?x3xf32, strided<[3, 1], offset: ?>>)
// REMARK: coco-chunk-exchange.mlir:[[@LINE+5]]:3: remark: [Passed] applied | Category:coco-chunk-exchange | Function=rows | Remark="exchanged in chunks of 1 of 8 rows
func.func @rows(%x: memref<32x3xf32>, %bias: memref<3xf32>, %y: memref<8x3xf32>) {
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %recv = memref.alloc() : memref<32x3xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @quad[0] : memref<32x3xf32>, memref<32x3xf32>
  // This rank's block and the next three ranks' (mod 32): multiples of 8.
  %own_off, %size = coco.local_block %c32 on @quad[0]
  %s1 = arith.addi %own_off, %c8 : index
  %o1 = arith.remui %s1, %c32 : index
  %b1 = memref.subview %recv[%o1, 0] [8, 3] [1, 1] : memref<32x3xf32> to memref<8x3xf32, strided<[3, 1], offset: ?>>
  %b2 = memref.subview %recv[16, 0] [8, 3] [1, 1] : memref<32x3xf32> to memref<8x3xf32, strided<[3, 1], offset: 48>>
  %b3 = memref.subview %recv[24, 0] [8, 3] [1, 1] : memref<32x3xf32> to memref<8x3xf32, strided<[3, 1], offset: 72>>
  %own = memref.subview %x[%own_off, 0] [8, 3] [1, 1] : memref<32x3xf32> to memref<8x3xf32, strided<[3, 1], offset: ?>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%b1, %b2, %b3, %own, %bias : memref<8x3xf32, strided<[3, 1], offset: ?>>, memref<8x3xf32, strided<[3, 1], offset: 48>>, memref<8x3xf32, strided<[3, 1], offset: 72>>, memref<8x3xf32, strided<[3, 1], offset: ?>>, memref<3xf32>)
      outs(%y : memref<8x3xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %d: f32, %e: f32, %out: f32):
    %0 = arith.addf %a, %b : f32
    %1 = arith.addf %0, %c : f32
    %2 = arith.addf %1, %d : f32
    %3 = arith.addf %2, %e : f32
    linalg.yield %3 : f32
  }
  return
}

// Each case below stays as it is, with a remark saying why.

// A block of 10 rows (40 bytes) fits in one chunk of 64 bytes.
// CHECK-LABEL: func @fits
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=fits | Remark="exchanged whole before its loop: a block (40 bytes per rank) fits in one chunk of 64 bytes"
func.func @fits(%x: memref<20xf32>, %m: memref<10xf32>) {
  %recv = memref.alloc() : memref<20xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<20xf32>, memref<20xf32>
  %theirs = memref.subview %recv[10] [10] [1] : memref<20xf32> to memref<10xf32, strided<[1], offset: 10>>
  %own = memref.subview %x[0] [10] [1] : memref<20xf32> to memref<10xf32, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%theirs, %own : memref<10xf32, strided<[1], offset: 10>>, memref<10xf32, strided<[1]>>)
      outs(%m : memref<10xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  return
}

// The received blocks are also copied out: the whole block must arrive.
// CHECK-LABEL: func @read_twice
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=read_twice | Remark="exchanged whole before its loop: 'memref.copy' uses a received block: only the loop that sums them may"
func.func @read_twice(%x: memref<80xf32>, %m: memref<40xf32>, %keep: memref<40xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  %own = memref.subview %x[0] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%theirs, %own : memref<40xf32, strided<[1], offset: 40>>, memref<40xf32, strided<[1]>>)
      outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  memref.copy %theirs, %keep : memref<40xf32, strided<[1], offset: 40>> to memref<40xf32>
  return
}

// The buffer the exchange sends is written between the exchange and the
// loop: moving the exchange down would send the new values.
// CHECK-LABEL: func @sent_buffer_written
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+4]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=sent_buffer_written | Remark="exchanged whole before its loop: 'linalg.fill' between the exchange and the loop may write the buffer it sends"
func.func @sent_buffer_written(%x: memref<80xf32>, %m: memref<40xf32>) {
  %zero = arith.constant 0.0 : f32
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  linalg.fill ins(%zero : f32) outs(%x : memref<80xf32>)
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  %own = memref.subview %x[0] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%theirs, %own : memref<40xf32, strided<[1], offset: 40>>, memref<40xf32, strided<[1]>>)
      outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  return
}

// The loop writes into the buffer the exchange sends: a chunk's results
// would be sent by a later chunk.
// CHECK-LABEL: func @loop_writes_sent_buffer
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=loop_writes_sent_buffer | Remark="exchanged whole before its loop: the loop writes the buffer the exchange sends, or one that may be another name for it"
func.func @loop_writes_sent_buffer(%x: memref<80xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  %own = memref.subview %x[0] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>)
      outs(%own : memref<40xf32, strided<[1]>>) {
  ^bb0(%a: f32, %out: f32):
    %sum = arith.addf %a, %out : f32
    linalg.yield %sum : f32
  }
  return
}

// The loop reads a received block transposed: its outer loop does not walk
// the block's rows.
// CHECK-LABEL: func @transposed
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=transposed | Remark="exchanged whole before its loop: the loop indexes an operand other than with its outermost loop as the operand's dim 0"
func.func @transposed(%x: memref<80x40xf32>, %y: memref<40x40xf32>) {
  %recv = memref.alloc() : memref<80x40xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80x40xf32>, memref<80x40xf32>
  %theirs = memref.subview %recv[40, 0] [40, 40] [1, 1] : memref<80x40xf32> to memref<40x40xf32, strided<[40, 1], offset: 1600>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%theirs : memref<40x40xf32, strided<[40, 1], offset: 1600>>)
      outs(%y : memref<40x40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// The generic that sums one parameter's blocks, with another parameter's
// all_gather between it and the exchange (split + reorder put each
// parameter's collectives together): collectives in between keep their
// order on every rank, so the exchange still moves into the loop.
// CHECK-LABEL: func @collective_between
// CHECK: coco.comm.all_gather
// CHECK: scf.for
// CHECK: coco.comm.all_to_all
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Passed] applied | Category:coco-chunk-exchange | Function=collective_between | Remark="exchanged in chunks of 16 of 40 rows
func.func @collective_between(%x: memref<80xf32>, %m: memref<40xf32>, %s: memref<20xf32>, %v: memref<40xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  coco.comm.all_gather %s into %v dim 0 on @dp[0] : memref<20xf32>, memref<40xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  %own = memref.subview %x[0] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%theirs, %own : memref<40xf32, strided<[1], offset: 40>>, memref<40xf32, strided<[1]>>)
      outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  return
}

// A collective inside a branch between the exchange and the loop: only the
// ranks that take it run it, so the exchange stays.
// CHECK-LABEL: func @collective_in_a_branch
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=collective_in_a_branch | Remark="exchanged whole before its loop: 'scf.if' between the exchange and the loop holds a collective that only some ranks may run"
func.func @collective_in_a_branch(%x: memref<80xf32>, %m: memref<40xf32>, %s: memref<40xf32>, %t: memref<40xf32>, %flag: i1) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  scf.if %flag {
    coco.comm.all_reduce sum %s into %t on @dp[0] : memref<40xf32>, memref<40xf32>
  }
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  %own = memref.subview %x[0] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%theirs, %own : memref<40xf32, strided<[1], offset: 40>>, memref<40xf32, strided<[1]>>)
      outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  return
}

// The sent buffer written through another name for it (a loop's carried
// buffer) between the exchange and the loop.
// CHECK-LABEL: func @written_through_an_alias
// CHECK-NOT: scf.for {{.*}} step %c16
// REMARK: coco-chunk-exchange.mlir:[[@LINE+6]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=written_through_an_alias | Remark="exchanged whole before its loop: 'scf.for' between the exchange and the loop may write the buffer it sends"
func.func @written_through_an_alias(%x: memref<80xf32>, %m: memref<40xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %last = scf.for %i = %c0 to %c1 step %c1 iter_args(%b = %x) -> (memref<80xf32>) {
    memref.store %zero, %b[%i] : memref<80xf32>
    scf.yield %b : memref<80xf32>
  }
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  %own = memref.subview %x[0] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%theirs, %own : memref<40xf32, strided<[1], offset: 40>>, memref<40xf32, strided<[1]>>)
      outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  return
}

// A global's buffer may have other names (another get_global of it).
memref.global "private" @gradient : memref<80xf32> = uninitialized
// CHECK-LABEL: func @sends_a_global
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+4]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=sends_a_global | Remark="exchanged whole before its loop: the buffer it sends may have other names (not an allocation or an entry's argument)"
func.func @sends_a_global(%m: memref<40xf32>) {
  %x = memref.get_global @gradient : memref<80xf32>
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  %own = memref.subview %x[0] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%theirs, %own : memref<40xf32, strided<[1], offset: 40>>, memref<40xf32, strided<[1]>>)
      outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  return
}

// A view that does not start at a block (20 is not a multiple of 40), or
// starts where nothing says (an argument): the loop's rows would span two
// ranks' blocks.
// CHECK-LABEL: func @view_across_blocks
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=view_across_blocks | Remark="exchanged whole before its loop: 'memref.subview' uses the received buffer other than as a view of one whole block (at a multiple of the slot's rows, this rank's rows long)"
func.func @view_across_blocks(%x: memref<80xf32>, %m: memref<40xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[20] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 20>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 20>>) outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}
// CHECK-LABEL: func @view_at_an_argument
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=view_at_an_argument | Remark="exchanged whole before its loop: 'memref.subview' uses the received buffer other than as a view of one whole block
func.func @view_at_an_argument(%x: memref<80xf32>, %m: memref<40xf32>, %o: index) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[%o] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: ?>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: ?>>) outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// The loop reads its index (a dropout's element index): on a chunk, loop 0's
// index counts from the chunk's first row, so the chunk's start is added to
// it; loop 1's index (the columns, not cut) stays as it is. 40 rows of 2
// floats per block, 64 bytes per peer: chunks of 8 rows.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @reads_its_index
// CHECK: scf.for %[[S:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:   coco.comm.all_to_all
// CHECK:   linalg.generic
// CHECK:     %[[I0:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[ROW:.*]] = arith.addi %[[I0]], %[[S]] : index
// CHECK-NEXT: %[[I1:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[SCALED:.*]] = arith.muli %[[ROW]], %[[C2]] : index
// CHECK-NEXT: %[[FLAT:.*]] = arith.addi %[[SCALED]], %[[I1]] : index
// CHECK-NEXT: arith.index_cast %[[FLAT]] : index to i32
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Passed] applied | Category:coco-chunk-exchange | Function=reads_its_index | Remark="exchanged in chunks of 8 of 40 rows, each summed by the loop right after it arrives"
func.func @reads_its_index(%x: memref<80x2xf32>, %m: memref<40x2xf32>) {
  %recv = memref.alloc() : memref<80x2xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80x2xf32>, memref<80x2xf32>
  %theirs = memref.subview %recv[40, 0] [40, 2] [1, 1] : memref<80x2xf32> to memref<40x2xf32, strided<[2, 1], offset: 80>>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%theirs : memref<40x2xf32, strided<[2, 1], offset: 80>>) outs(%m : memref<40x2xf32>) {
  ^bb0(%a: f32, %out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c2 = arith.constant 2 : index
    %i2 = arith.muli %i, %c2 : index
    %flat = arith.addi %i2, %j : index
    %n = arith.index_cast %flat : index to i32
    %f = arith.sitofp %n : i32 to f32
    %sum = arith.addf %a, %f : f32
    linalg.yield %sum : f32
  }
  return
}

// A linalg op nested in the loop's body counts its own iterations: only the
// loop's own index (a direct child of its body) is shifted by the chunk's
// start; the nested generic's index 0 stays as it is.
#id1 = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func @nested_index
// CHECK: scf.for %[[S:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:   linalg.generic
// CHECK:     %[[I0:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[ROW:.*]] = arith.addi %[[I0]], %[[S]] : index
// CHECK:       linalg.generic
// CHECK-NEXT:  ^bb0(%{{.*}}: index):
// CHECK-NEXT:    %[[K:.*]] = linalg.index 0 : index
// CHECK-NEXT:    linalg.yield %[[K]] : index
// CHECK:     %[[E:.*]] = tensor.extract
// CHECK-NEXT: arith.addi %[[ROW]], %[[E]] : index
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Passed] applied | Category:coco-chunk-exchange | Function=nested_index | Remark="exchanged in chunks of 8 of 40 rows, each summed by the loop right after it arrives"
func.func @nested_index(%x: memref<80x2xf32>, %m: memref<40x2xf32>) {
  %recv = memref.alloc() : memref<80x2xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80x2xf32>, memref<80x2xf32>
  %theirs = memref.subview %recv[40, 0] [40, 2] [1, 1] : memref<80x2xf32> to memref<40x2xf32, strided<[2, 1], offset: 80>>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%theirs : memref<40x2xf32, strided<[2, 1], offset: 80>>) outs(%m : memref<40x2xf32>) {
  ^bb0(%a: f32, %out: f32):
    %i = linalg.index 0 : index
    %t = tensor.empty() : tensor<4xindex>
    %inner = linalg.generic {indexing_maps = [#id1], iterator_types = ["parallel"]} outs(%t : tensor<4xindex>) {
    ^bb1(%o: index):
      %k = linalg.index 0 : index
      linalg.yield %k : index
    } -> tensor<4xindex>
    %c1 = arith.constant 1 : index
    %e = tensor.extract %inner[%c1] : tensor<4xindex>
    %s = arith.addi %i, %e : index
    %n = arith.index_cast %s : index to i32
    %f = arith.sitofp %n : i32 to f32
    %sum = arith.addf %a, %f : f32
    linalg.yield %sum : f32
  }
  return
}

// The loop runs before the exchange (it reads what the buffer held).
// CHECK-LABEL: func @loop_before
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+9]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=loop_before | Remark="exchanged whole before its loop: the loop reading the blocks is not after it in its block"
func.func @loop_before(%x: memref<80xf32>, %m: memref<40xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>) outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  return
}

// Empty blocks, and a group of one rank.
coco.grid @solo(shape = [1])
// CHECK-LABEL: func @empty
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=empty | Remark="exchanged whole before its loop: dimension 0 is empty"
func.func @empty(%x: memref<0xf32>) {
  %recv = memref.alloc() : memref<0xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<0xf32>, memref<0xf32>
  return
}
// Uneven blocks (81 rows over 2 ranks: 41 and 40), received into slots of
// 41 rows, as coco-fuse-reduce-scatter makes them (this rank's slot at
// axis_rank * 41, the peer's 41 rows on, this rank's rows dynamic): chunks
// of 16 rows, a window of each block. The loop runs 41 rows on every rank
// (0, 16, 32) and this rank's rows are cut to its block (none past it).
// CHECK-LABEL: func @uneven
// CHECK-SAME: (%[[X:.*]]: memref<81xf32>, %[[M:.*]]: memref<?xf32>, %{{.*}}: i1)
// CHECK: cf.assert
// CHECK: %[[OFF:.*]], %[[SIZE:.*]] = coco.local_block
// CHECK: %[[PEER:.*]] = arith.remui
// CHECK: %[[OWN:.*]] = memref.subview %[[X]][%[[OFF]]] [%[[SIZE]]] [1]
// CHECK-NOT: memref.expand_shape
// CHECK: %[[BUF:.*]] = memref.alloc() {alignment = 64 : i64} : memref<32xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C41:.*]] = arith.constant 41 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.for %[[S:.*]] = %[[C0]] to %[[C41]] step %[[C16]] {
// CHECK:   %[[LEFT:.*]] = arith.subi %[[SIZE]], %[[S]] : index
// CHECK:   %[[MIN:.*]] = arith.minsi %[[C16]], %[[LEFT]] : index
// CHECK:   %[[N:.*]] = arith.maxsi %[[C0]], %[[MIN]] : index
// CHECK:   coco.comm.all_to_all %[[X]] into %[[BUF]] split 0 concat 0 skip_self window %[[S]] on @dp[0] : memref<81xf32>, memref<32xf32>
// CHECK:   %[[SLOT:.*]] = arith.divui %[[PEER]], %[[C41]] : index
// CHECK:   %[[AT:.*]] = arith.muli %[[SLOT]], %[[C16]] : index
// CHECK:   %[[THEIRS:.*]] = memref.subview %[[BUF]][%[[AT]]] [%[[N]]] [1] : memref<32xf32> to memref<?xf32, strided<[1], offset: ?>>
// CHECK:   %[[MINE:.*]] = memref.subview %[[OWN]][%[[S]]] [%[[N]]] [1]
// CHECK:   %[[MS:.*]] = memref.subview %[[M]][%[[S]]] [%[[N]]] [1]
// CHECK:   linalg.generic {{.*}} ins(%[[THEIRS]], %[[MINE]] : {{.*}}) outs(%[[MS]] : {{.*}})
// CHECK:     linalg.yield
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NEXT: return
// REMARK: coco-chunk-exchange.mlir:[[@LINE+6]]:3: remark: [Passed] applied | Category:coco-chunk-exchange | Function=uneven | Remark="exchanged in windows of 16 rows of each uneven block (up to 41 rows), each summed by the loop right after it arrives"
func.func @uneven(%x: memref<81xf32>, %m: memref<?xf32>, %ok: i1) {
  %c41 = arith.constant 41 : index
  %c81 = arith.constant 81 : index
  %c82 = arith.constant 82 : index
  %recv = memref.alloc() : memref<82xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<81xf32>, memref<82xf32>
  // The fold's check of a dynamic result (an assert writes nothing).
  cf.assert %ok, "the result's dimension 0 is not this rank's block"
  %off, %size = coco.local_block %c81 on @dp[0]
  %rank = coco.axis_rank @dp[0]
  %mine = arith.muli %rank, %c41 : index
  %shifted = arith.addi %mine, %c41 : index
  %peer = arith.remui %shifted, %c82 : index
  %theirs = memref.subview %recv[%peer] [%size] [1] : memref<82xf32> to memref<?xf32, strided<[1], offset: ?>>
  %own = memref.subview %x[%off] [%size] [1] : memref<81xf32> to memref<?xf32, strided<[1], offset: ?>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%theirs, %own : memref<?xf32, strided<[1], offset: ?>>, memref<?xf32, strided<[1], offset: ?>>)
      outs(%m : memref<?xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  return
}
// Nested uneven blocks over a group of two axes of a 2 x 3 grid (11 rows:
// 6 and 5, then 2, 2, 2, 2, 2, 1), in slots of 2 rows: a slot's start is
// buildBlockOffset's, each axis's rank times the rows of the slots inside
// it. Chunks of one row (64 bytes over 5 peers of 12-byte rows).
// CHECK-LABEL: func @uneven_group
// CHECK-SAME: (%[[X:.*]]: memref<11x3xf32>, %[[M:.*]]: memref<?x3xf32>)
// CHECK: %{{.*}}, %[[SIZE:.*]] = coco.local_block
// CHECK: %[[PEER:.*]] = arith.remui
// CHECK: %[[BUF:.*]] = memref.alloc() {alignment = 64 : i64} : memref<6x3xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: scf.for %[[S:.*]] = %[[C0]] to %[[C2]] step %[[C1]] {
// CHECK:   %[[LEFT:.*]] = arith.subi %[[SIZE]], %[[S]] : index
// CHECK:   %[[MIN:.*]] = arith.minsi %[[C1]], %[[LEFT]] : index
// CHECK:   %[[N:.*]] = arith.maxsi %[[C0]], %[[MIN]] : index
// CHECK:   coco.comm.all_to_all %[[X]] into %[[BUF]] split 0 concat 0 skip_self window %[[S]] on @g23[0, 1] : memref<11x3xf32>, memref<6x3xf32>
// CHECK:   %[[SLOT:.*]] = arith.divui %[[PEER]], %[[C2]] : index
// CHECK:   %[[AT:.*]] = arith.muli %[[SLOT]], %[[C1]] : index
// CHECK:   %[[THEIRS:.*]] = memref.subview %[[BUF]][%[[AT]], 0] [%[[N]], 3] [1, 1]
// CHECK:   %[[MS:.*]] = memref.subview %[[M]][%[[S]], 0] [%[[N]], 3] [1, 1]
// CHECK:   linalg.generic {{.*}} ins(%[[THEIRS]] : {{.*}}) outs(%[[MS]] : {{.*}})
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Passed] applied | Category:coco-chunk-exchange | Function=uneven_group | Remark="exchanged in windows of 1 rows of each uneven block (up to 2 rows)
func.func @uneven_group(%x: memref<11x3xf32>, %m: memref<?x3xf32>) {
  %recv = memref.alloc() : memref<12x3xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @g23[0, 1] : memref<11x3xf32>, memref<12x3xf32>
  %c2 = arith.constant 2 : index
  %c6 = arith.constant 6 : index
  %c12 = arith.constant 12 : index
  %c11 = arith.constant 11 : index
  %off, %size = coco.local_block %c11 on @g23[0, 1]
  %outer = coco.axis_rank @g23[0]
  %inner = coco.axis_rank @g23[1]
  %t0 = arith.muli %outer, %c6 : index
  %t1 = arith.muli %inner, %c2 : index
  %mine = arith.addi %t0, %t1 : index
  %shifted = arith.addi %mine, %c2 : index
  %peer = arith.remui %shifted, %c12 : index
  %theirs = memref.subview %recv[%peer, 0] [%size, 3] [1, 1] : memref<12x3xf32> to memref<?x3xf32, strided<[3, 1], offset: ?>>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%theirs : memref<?x3xf32, strided<[3, 1], offset: ?>>)
      outs(%m : memref<?x3xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}
// An exchange that takes a window already (the pass's own output, or
// written by hand) is left as it is.
// CHECK-LABEL: func @window_already
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=window_already | Remark="exchanged whole before its loop: it exchanges a window already"
func.func @window_already(%x: memref<81xf32>, %s: index) {
  %recv = memref.alloc() : memref<32xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self window %s on @dp[0] : memref<81xf32>, memref<32xf32>
  return
}
// Uneven blocks whose views are not provably slots (an offset the pass cannot
// follow): exchanged whole.
// CHECK-LABEL: func @uneven_unknown_offset
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=uneven_unknown_offset | Remark="exchanged whole before its loop: 'memref.subview' uses the received buffer other than as a view of one whole block (at a multiple of the slot's rows, this rank's rows long)"
func.func @uneven_unknown_offset(%x: memref<81xf32>, %m: memref<?xf32>, %n: index, %at: index) {
  %recv = memref.alloc() : memref<82xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<81xf32>, memref<82xf32>
  %theirs = memref.subview %recv[%at] [%n] [1] : memref<82xf32> to memref<?xf32, strided<[1], offset: ?>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<?xf32, strided<[1], offset: ?>>) outs(%m : memref<?xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}
// Uneven blocks read through views of a static size (no rank's block: the
// fold never makes them) or into a buffer that is not one slot per rank of
// the largest block: exchanged whole, with the reason.
// CHECK-LABEL: func @uneven_static_views
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=uneven_static_views | Remark="exchanged whole before its loop: uneven blocks are read without this rank's dynamic block size"
func.func @uneven_static_views(%x: memref<81xf32>, %m: memref<40xf32>) {
  %recv = memref.alloc() : memref<82xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<81xf32>, memref<82xf32>
  %theirs = memref.subview %recv[0] [40] [1] : memref<82xf32> to memref<40xf32, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1]>>) outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}
// CHECK-LABEL: func @uneven_wrong_slots
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=uneven_wrong_slots | Remark="exchanged whole before its loop: it receives into a buffer of another shape than one slot per rank of the largest block"
func.func @uneven_wrong_slots(%x: memref<81xf32>) {
  %recv = memref.alloc() : memref<84xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<81xf32>, memref<84xf32>
  return
}
// A row of 2^63 bytes (its size overflows int64; it once divided by 0):
// a block of one row is left whole.
coco.grid @tri(shape = [3])
// CHECK-LABEL: func @huge_rows
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=huge_rows | Remark="exchanged whole before its loop: a block is one row, which a chunk does not cut"
func.func @huge_rows(%x: memref<3x2305843009213693952xf32>, %y: memref<1x2305843009213693952xf32>) {
  %recv = memref.alloc() : memref<3x2305843009213693952xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @tri[0] : memref<3x2305843009213693952xf32>, memref<3x2305843009213693952xf32>
  %b1 = memref.subview %recv[1, 0] [1, 2305843009213693952] [1, 1] : memref<3x2305843009213693952xf32> to memref<1x2305843009213693952xf32, strided<[2305843009213693952, 1], offset: 2305843009213693952>>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%b1 : memref<1x2305843009213693952xf32, strided<[2305843009213693952, 1], offset: 2305843009213693952>>)
      outs(%y : memref<1x2305843009213693952xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}
// CHECK-LABEL: func @one_rank
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=one_rank | Remark="exchanged whole before its loop: its group has one rank: nothing is exchanged"
func.func @one_rank(%x: memref<80xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @solo[0] : memref<80xf32>, memref<80xf32>
  return
}

// Along one axis of a 2-D grid (3 ranks on axis 1): blocks of 30 rows, 2
// peers, chunks of 8 rows (64 / (2 * 4) bytes).
coco.grid @g23(shape = [2, 3])
// CHECK-LABEL: func @axis_of_a_2d_grid
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<3x8xf32>
// CHECK: scf.for
// CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 0 concat 0 skip_self on @g23[1] : memref<3x?xf32, strided<[30, 1], offset: ?>>, memref<3x?xf32, strided<[8, 1]>>
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Passed] applied | Category:coco-chunk-exchange | Function=axis_of_a_2d_grid | Remark="exchanged in chunks of 8 of 30 rows
func.func @axis_of_a_2d_grid(%x: memref<90xf32>, %m: memref<30xf32>) {
  %recv = memref.alloc() : memref<90xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @g23[1] : memref<90xf32>, memref<90xf32>
  %b1 = memref.subview %recv[30] [30] [1] : memref<90xf32> to memref<30xf32, strided<[1], offset: 30>>
  %b2 = memref.subview %recv[60] [30] [1] : memref<90xf32> to memref<30xf32, strided<[1], offset: 60>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%b1, %b2 : memref<30xf32, strided<[1], offset: 30>>, memref<30xf32, strided<[1], offset: 60>>)
      outs(%m : memref<30xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  return
}

// More cases that stay whole, each with its reason.
// CHECK-LABEL: func @two_exchanges_one_loop
// One of the two loops' exchanges is chunked (the first met), the other
// stays whole and its block is cut with the loop.
// CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
// CHECK: scf.for
// CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 0 concat 0 skip_self on @dp[0] : memref<2x?xf32
// REMARK: coco-chunk-exchange.mlir:[[@LINE+6]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=two_exchanges_one_loop | Remark="exchanged whole before its loop: its loop also sums another exchange's blocks, which is chunked"
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Passed] applied | Category:coco-chunk-exchange | Function=two_exchanges_one_loop | Remark="exchanged in chunks of 16 of 40 rows
func.func @two_exchanges_one_loop(%x: memref<80xf32>, %y: memref<80xf32>, %m: memref<40xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %recv2 = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %y into %recv2 split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  %mine = memref.subview %recv2[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%theirs, %mine : memref<40xf32, strided<[1], offset: 40>>, memref<40xf32, strided<[1], offset: 40>>) outs(%m : memref<40xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %sum = arith.addf %p, %q : f32
    linalg.yield %sum : f32
  }
  return
}

// CHECK-LABEL: func @local_block_of_another_extent
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+4]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=local_block_of_another_extent | Remark="exchanged whole before its loop: 'memref.subview' uses the received buffer other than as a view of one whole block
func.func @local_block_of_another_extent(%x: memref<80xf32>, %m: memref<40xf32>) {
  %c60 = arith.constant 60 : index
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %off, %size = coco.local_block %c60 on @dp[0]
  %theirs = memref.subview %recv[%off] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: ?>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: ?>>) outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// CHECK-LABEL: func @loop_writes_a_global
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+5]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=loop_writes_a_global | Remark="exchanged whole before its loop: the loop writes the buffer the exchange sends, or one that may be another name for it"
func.func @loop_writes_a_global(%x: memref<80xf32>) {
  %m = memref.get_global @gradient : memref<80xf32>
  %half = memref.subview %m[0] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1]>>
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>) outs(%half : memref<40xf32, strided<[1]>>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// CHECK-LABEL: func @loop_in_a_branch
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=loop_in_a_branch | Remark="exchanged whole before its loop: the loop reading the blocks is not after it in its block"
func.func @loop_in_a_branch(%x: memref<80xf32>, %m: memref<40xf32>, %flag: i1) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  scf.if %flag {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>) outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  }
  return
}

// CHECK-LABEL: func @two_loops
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=two_loops | Remark="exchanged whole before its loop: the received blocks are read by more than one loop"
func.func @two_loops(%x: memref<80xf32>, %m: memref<40xf32>, %n: memref<40xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>) outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>) outs(%n : memref<40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// CHECK-LABEL: func @writes_a_received_block
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=writes_a_received_block | Remark="exchanged whole before its loop: the loop writes a received block"
func.func @writes_a_received_block(%x: memref<80xf32>, %m: memref<40xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%m : memref<40xf32>) outs(%theirs : memref<40xf32, strided<[1], offset: 40>>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// CHECK-LABEL: func @block_whole_in_every_row
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=block_whole_in_every_row | Remark="exchanged whole before its loop: the loop reads a received block whole in every row"
func.func @block_whole_in_every_row(%x: memref<80xf32>, %m: memref<40x40xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>) outs(%m : memref<40x40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// CHECK-LABEL: func @rows_not_known
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=rows_not_known | Remark="exchanged whole before its loop: the loop's rows are not the block's rows"
func.func @rows_not_known(%x: memref<80xf32>, %m: memref<?xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>) outs(%m : memref<?xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// CHECK-LABEL: func @receives_into_an_argument
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+2]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=receives_into_an_argument | Remark="exchanged whole before its loop: it receives into a buffer that is not its own allocation"
func.func @receives_into_an_argument(%x: memref<80xf32>, %recv: memref<80xf32>) {
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  return
}

// CHECK-LABEL: func @dynamic
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+4]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=dynamic | Remark="exchanged whole before its loop: its buffers are not static, contiguous and of one integer or float type"
func.func @dynamic(%x: memref<?xf32>) {
  %c = arith.constant 80 : index
  %recv = memref.alloc(%c) : memref<?xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<?xf32>, memref<?xf32>
  return
}

// CHECK-LABEL: func @dynamic_columns
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=dynamic_columns | Remark="exchanged whole before its loop: an operand the loop cuts into rows has dynamic sizes"
func.func @dynamic_columns(%x: memref<80xf32>, %m: memref<40x?xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>) outs(%m : memref<40x?xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// CHECK-LABEL: func private @private_argument
// CHECK-NOT: scf.for
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=private_argument | Remark="exchanged whole before its loop: the buffer it sends may have other names (not an allocation or an entry's argument)"
func.func private @private_argument(%x: memref<80xf32>, %m: memref<40xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>) outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// A schedule chose the exchange whole (coco-autoschedule's
// +whole-exchange: coco.exchange_whole, carried from the reduce_scatter):
// left whole with a remark, never a warning.
// CHECK-LABEL: func @kept_whole
// CHECK-NOT: scf.for
// CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 0 concat 0 skip_self on @dp[0] {coco.exchange_whole}
// CHECK-NOT: scf.for
// CHECK: return
// REMARK: coco-chunk-exchange.mlir:[[@LINE+3]]:3: remark: [Missed] not-applied | Category:coco-chunk-exchange | Function=kept_whole | Remark="exchanged whole before its loop: a schedule keeps it whole (coco.exchange_whole)"
func.func @kept_whole(%x: memref<80xf32>, %m: memref<40xf32>) {
  %recv = memref.alloc() : memref<80xf32>
  coco.comm.all_to_all %x into %recv split 0 concat 0 skip_self on @dp[0] {coco.exchange_whole} : memref<80xf32>, memref<80xf32>
  %theirs = memref.subview %recv[40] [40] [1] : memref<80xf32> to memref<40xf32, strided<[1], offset: 40>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%theirs : memref<40xf32, strided<[1], offset: 40>>) outs(%m : memref<40xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// An all_to_all that is not the fused reduce-scatter's exchange (it sends
// to itself too) is not a candidate: no remark.
// CHECK-LABEL: func @plain_all_to_all
// CHECK: coco.comm.all_to_all %{{.*}} into %{{.*}} split 0 concat 0 on @dp[0]
// REMARK-NOT: Function=plain_all_to_all
func.func @plain_all_to_all(%x: memref<80xf32>, %y: memref<80xf32>) {
  coco.comm.all_to_all %x into %y split 0 concat 0 on @dp[0] : memref<80xf32>, memref<80xf32>
  return
}

// NEGATIVE: coco-chunk-exchange: chunk-bytes must be >= 0, got -1
// NEGATIVE-NOT: see current operation
// With chunk-bytes=0 every exchange stays whole, each with the reason.
// NOCHUNK: Function=sum_and_norm | Remark="exchanged whole before its loop: chunk-bytes is 0"
// With warn-not-applied (what coco-lower-to-cpu sets when the user gives
// exchange-chunk-bytes) an exchange left whole is a warning as well.
// WARN-NOT: keeps it whole
// WARN: warning: coco-chunk-exchange was requested but does not apply here: exchanged whole before its loop: a block (40 bytes per rank) fits in one chunk of 64 bytes
// WARN-NOT: keeps it whole
