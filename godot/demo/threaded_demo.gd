extends SceneTree

# Background loading: ResourceLoader.load_threaded_request runs the .pte loader on a worker
# thread (the model streams through FileAccess there), the main thread keeps going.
#   godot --headless --path demo -s threaded_demo.gd
func _init():
	var path = "res://models/mlp.pte"
	print("request: ", ResourceLoader.load_threaded_request(path, "", true))
	while ResourceLoader.load_threaded_get_status(path) == ResourceLoader.THREAD_LOAD_IN_PROGRESS:
		OS.delay_msec(1)
	print("status: ", ResourceLoader.load_threaded_get_status(path))
	var mlp: ExecuTorchResource = ResourceLoader.load_threaded_get(path)
	var x := PackedFloat32Array()
	for i in 16:
		x.append(i / 16.0)
	print("loaded in the background: ", mlp.is_loaded(), ", output ", mlp.forward({"input_0": x})["output_0"])
	quit()
