-- The inference key, as `Bearer <key>`, from the key_file.json TorchServe wrote (MNIST_KEY_FILE),
-- read at each request so that a rotated key takes effect at once; empty where there is no file
-- (token authorization off, as in the container).
local key_file = os.getenv("MNIST_KEY_FILE")

core.register_fetches("inference_key", function(txn)
  local file = key_file and io.open(key_file, "r")
  if not file then
    return ""
  end
  local text = file:read("*a")
  file:close()
  local key = text:match('"inference"%s*:%s*{[^}]-"key"%s*:%s*"([^"]+)"')
  return key and ("Bearer " .. key) or ""
end)
