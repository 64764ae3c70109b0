extends Node

# The spec's example: a .pte is a Godot resource.
var model: ExecuTorchResource

func _ready():
	model = load("res://models/linear_regression.pte")

	if model.is_loaded():
		var result = model.forward({"input_0": [2.5]})
		print("Prediction: ", result["output_0"][0])
		print("Inputs: ", model.get_input_names(), " shapes ", model.get_input_shapes())
		print("Last inference: ", model.get_last_inference_time(), " ms")
		print("Cached: ", load("res://models/linear_regression.pte") == model, ", path ", model.resource_path)
		# What the inspector shows under "Model Info" (read-only).
		print("Info: methods ", model.info_methods, ", inputs ", model.info_inputs, ", outputs ",
			model.info_outputs, ", ", model.info_file_size, " bytes")

		# A bigger model, streamed through FileAccess segment by segment (XNNPACK-delegated MLP).
		var mlp: ExecuTorchResource = load("res://models/mlp.pte")
		print("MLP: backends ", mlp.info_backends, ", inputs ", mlp.info_inputs, ", outputs ", mlp.info_outputs)
		var x := PackedFloat32Array()
		for i in 16:
			x.append(i / 16.0)
		print("MLP output: ", mlp.forward({"input_0": x})["output_0"])

		# Settings survive save and load: ResourceSaver writes the .pte and its settings (.pte.cfg).
		mlp.optimization_level = ExecuTorchResource.OPTIMIZATION_AGGRESSIVE
		var err = ResourceSaver.save(mlp, "user://saved_mlp.pte")
		var saved = ResourceLoader.load("user://saved_mlp.pte", "", ResourceLoader.CACHE_MODE_IGNORE)
		print("Saved: error ", err, ", reloaded optimization_level ", saved.optimization_level,
			", same output: ", saved.forward({"input_0": x})["output_0"] == mlp.forward({"input_0": x})["output_0"])

		# Off the main thread: the result comes back as a signal on the main thread.
		model.inference_completed.connect(_on_inference_completed)
		var id = model.forward_async({"input_0": [1.0]})
		print("Async request ", id, " queued")
		return
	get_tree().quit()

func _on_inference_completed(request_id: int, outputs: Dictionary):
	print("Async request ", request_id, " done on the main thread: ", outputs["output_0"][0],
		" (main thread: ", OS.get_thread_caller_id() == OS.get_main_thread_id(), ")")
	get_tree().quit()
