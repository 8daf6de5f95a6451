// A step of three parameters through fuse(RS-C-AG) with the exchanges
// whole and in chunks of 1000 bytes per peer (coco-chunk-exchange): w and
// the 2-D w2 are chunked (w2's exchange moves past w's all_gather), with a
// shorter last chunk; w3's update sums two gradients, whose two exchanges
// one loop reads: the first is chunked, the second stays whole (its block
// cut with the loop). On 2, 3 and 4 ranks every rank's weights equal the
// whole exchanges' bitwise and numpy's within the ranks' sum order.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %coco_python %S/../lib/check_chunk_exchange.py %s %t 2 | FileCheck %s
// RUN: %coco_python %S/../lib/check_chunk_exchange.py %s %t 3 | FileCheck %s
// RUN: %coco_python %S/../lib/check_chunk_exchange.py %s %t 4 | FileCheck %s
// CHECK: on [[N:[234]]] ranks: w exchanged in chunks of {{[0-9]+}} of {{[0-9]+}} rows
// CHECK-NEXT: on [[N]] ranks: w2 exchanged in chunks of {{[0-9]+}} of {{[0-9]+}} rows
// CHECK-NEXT: on [[N]] ranks: w3 exchanged in chunks of {{[0-9]+}} of {{[0-9]+}} rows, its second gradient whole
// CHECK-NEXT: on [[N]] ranks: the runtime counted one exchange call per chunk
// CHECK-NEXT: on [[N]] ranks: chunked equals whole bitwise on every rank, and numpy

coco.grid @dp(shape = [?])

!Rep = !coco.dtensor<4104xf32, replicated on @dp>
!Loc = !coco.dtensor<4104xf32, local on @dp>
!Rep2 = !coco.dtensor<1032x5xf32, replicated on @dp>
!Loc2 = !coco.dtensor<1032x5xf32, local on @dp>

func.func @sgd3(%w: !Rep {coco.name = "w"}, %g: !Loc {coco.name = "g"},
                %w2: !Rep2 {coco.name = "w2"}, %g2: !Loc2 {coco.name = "g2"},
                %w3: !Rep {coco.name = "w3"}, %g3: !Loc {coco.name = "g3"},
                %h3: !Loc {coco.name = "h3"},
                %lr: f32 {coco.name = "lr", coco.value = 0.01 : f32}) {
  %gsum = coco.all_reduce sum %g : !Loc
  %gsum2 = coco.all_reduce sum %g2 : !Loc2
  %step = coco.mul %gsum, %lr : !Rep, f32
  %wn = coco.sub %w, %step : !Rep, !Rep
  %step2 = coco.mul %gsum2, %lr : !Rep2, f32
  %wn2 = coco.sub %w2, %step2 : !Rep2, !Rep2
  %gsum3 = coco.all_reduce sum %g3 : !Loc
  %hsum3 = coco.all_reduce sum %h3 : !Loc
  %both3 = coco.add %gsum3, %hsum3 : !Rep, !Rep
  %step3 = coco.mul %both3, %lr : !Rep, f32
  %wn3 = coco.sub %w3, %step3 : !Rep, !Rep
  coco.update %w, %wn : !Rep
  coco.update %w2, %wn2 : !Rep2
  coco.update %w3, %wn3 : !Rep
  return
}
