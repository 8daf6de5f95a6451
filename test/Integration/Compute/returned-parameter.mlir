// A returned value that is an updated parameter is its old value, and the
// update still reaches the caller. The folds make such returns: a broadcast
// of a replicated value, slice(all_gather(x)) and an all_reduce over a
// one-rank group are their inputs. The update was lost (bufferization wrote
// it into a copy of the parameter's buffer, since the return read that
// buffer after the write; helper-80's random differential runs); the
// parameter is now copied for the return before the update.
//
// RUN: coco-compile %s -o %t.exe
// RUN: %coco_python %S/check_returned_parameter.py %t.exe 2 | FileCheck %s
// RUN: %coco_python %S/check_returned_parameter.py %t.exe 3 | FileCheck %s
// CHECK: returned parameters on [[N:[23]]] ranks: every parameter updated, every result its old value
//
// The copy, made before the update writes the buffer:
// RUN: coco-opt %s --coco-localize | FileCheck %s --check-prefix=LOCAL
// LOCAL-LABEL: func.func @step(
// LOCAL-SAME: %[[X1:[^:]*]]: tensor<5xf32>
// LOCAL: %[[C1:.*]] = bufferization.alloc_tensor() copy(%[[X1]])
// LOCAL: bufferization.materialize_in_destination
// LOCAL: return %[[C1]],

coco.grid @g(shape = [?, 1])
!Rep = !coco.dtensor<5xf32, replicated on @g>
!Sl = !coco.dtensor<7xf32, [sliced<0>, replicated] on @g>
!Rep7 = !coco.dtensor<7xf32, replicated on @g>
!Loc1 = !coco.dtensor<5xf32, [replicated, local] on @g>

func.func @step(%x1: !Rep {coco.name = "x1"}, %x2: !Sl {coco.name = "x2"},
                %x3: !Loc1 {coco.name = "x3"}, %x4: !Rep {coco.name = "x4"})
    -> (!Rep {coco.name = "s1"}, !Sl {coco.name = "s2"}, !Rep {coco.name = "s3"},
        !Rep {coco.name = "s4"}) {
  %n1 = coco.neg %x1 : !Rep
  %s1 = coco.broadcast %x1 root 0 along [0] : !Rep
  coco.update %x1, %n1 : !Rep
  %n2 = coco.neg %x2 : !Sl
  %g2 = coco.all_gather %x2 : !Sl
  %s2 = coco.slice %g2 dim 0 along [0] : !Rep7
  coco.update %x2, %n2 : !Sl
  %n3 = coco.neg %x3 : !Loc1
  %s3 = coco.all_reduce sum %x3 along [1] : !Loc1
  coco.update %x3, %n3 : !Loc1
  %n4 = coco.neg %x4 : !Rep
  coco.update %x4, %n4 : !Rep
  return %s1, %s2, %s3, %x4 : !Rep, !Sl, !Rep, !Rep
}
