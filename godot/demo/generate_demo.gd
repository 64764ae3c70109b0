extends SceneTree

# Text generation from GDScript (executorch4j-llm): a tiny Llama exported with ExecuTorch's LLM
# export, token by token, each piece as a signal on the main thread.
#   godot --headless --path demo -s generate_demo.gd
# Needs models/tiny_llama.pte and models/tokenizer.json (fixtures/llm/) and the executorch4j-llm
# jar in the addon.
var model: ExecuTorchResource
var done := false

func _init():
	model = load("res://models/tiny_llama.pte")
	if model.load_tokenizer("res://models/tokenizer.json") != OK:
		quit(1)
		return
	model.text_generated.connect(func(id: int, piece: String): printraw(piece))
	model.generation_completed.connect(_on_completed)
	model.generation_failed.connect(func(id: int, message: String): print("failed: ", message); done = true)
	var id = model.generate("The little robot", {"max_tokens": 32, "temperature": 0.8, "top_k": 40, "seed": 7})
	print("request ", id, ":")

func _on_completed(id: int, text: String, stop_reason: String):
	var last = model.get_last_generation()
	print("\n[", stop_reason, "] ", last["generated_tokens"], " tokens, ",
		"first token after ", last["time_to_first_token_ms"], " ms, ", last["decode_tokens_per_second"], " tok/s")
	done = true

func _process(_delta):
	return done
