coco.grid @dp(shape = [?])

func.func @sgd(%w: !coco.dtensor<1024xf32, replicated on @dp> {coco.name = "w"},
               %g: !coco.dtensor<1024xf32, local on @dp> {coco.name = "g"},
               %lr: f32 {coco.name = "lr", coco.value = 0.5 : f32}) {
  %s = coco.all_reduce sum %g : !coco.dtensor<1024xf32, local on @dp>
  %d = coco.mul %s, %lr : !coco.dtensor<1024xf32, replicated on @dp>, f32
  %wn = coco.sub %w, %d : !coco.dtensor<1024xf32, replicated on @dp>, !coco.dtensor<1024xf32, replicated on @dp>
  coco.update %w, %wn : !coco.dtensor<1024xf32, replicated on @dp>
  return
}
