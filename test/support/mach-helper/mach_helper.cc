// Test-only helper for macOS: makes, inspects and uses Mach port rights so
// the shared tests can prove that rights really arrive and work. Not part of
// the package's addon. Every function throws on a failed Mach call.
#include <mach/mach.h>
#include <napi.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace {

constexpr mach_msg_id_t kTextMessageId = 0x54455854;  // "TEXT"
constexpr size_t kMaxText = 256;

struct TextMessage {
  mach_msg_header_t header;
  uint32_t length;
  char text[kMaxText];
};

struct ReceivedText {
  TextMessage message;
  mach_msg_max_trailer_t trailer;
};

bool Check(Napi::Env env, kern_return_t kr, const char* call) {
  if (kr == KERN_SUCCESS)
    return true;
  Napi::Error error = Napi::Error::New(
      env, std::string(call) + " failed: " + mach_error_string(kr));
  error.Set("kr", Napi::Number::New(env, kr));
  error.ThrowAsJavaScriptException();
  return false;
}

mach_port_t NameArg(const Napi::CallbackInfo& info, size_t index) {
  return static_cast<mach_port_t>(info[index].As<Napi::Number>().Uint32Value());
}

// newReceiveRight() -> name
Napi::Value NewReceiveRight(const Napi::CallbackInfo& info) {
  mach_port_t name = MACH_PORT_NULL;
  if (!Check(
          info.Env(),
          mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name),
          "mach_port_allocate")) {
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), name);
}

// makeSendRight(name): adds a send right to a receive right's name.
Napi::Value MakeSendRight(const Napi::CallbackInfo& info) {
  mach_port_t name = NameArg(info, 0);
  Check(info.Env(),
        mach_port_insert_right(mach_task_self(), name, name,
                               MACH_MSG_TYPE_MAKE_SEND),
        "mach_port_insert_right");
  return info.Env().Undefined();
}

// sendText(name, text, sendOnce?): sends text with a copy of a send right, or
// by moving a send-once right.
Napi::Value SendText(const Napi::CallbackInfo& info) {
  mach_port_t name = NameArg(info, 0);
  std::string text = info[1].As<Napi::String>().Utf8Value();
  bool send_once = info.Length() > 2 && info[2].ToBoolean().Value();
  TextMessage message;
  std::memset(&message, 0, sizeof(message));
  message.header.msgh_bits = MACH_MSGH_BITS(
      send_once ? MACH_MSG_TYPE_MOVE_SEND_ONCE : MACH_MSG_TYPE_COPY_SEND, 0);
  message.header.msgh_size = sizeof(message);
  message.header.msgh_remote_port = name;
  message.header.msgh_id = kTextMessageId;
  message.length = static_cast<uint32_t>(std::min(text.size(), kMaxText));
  std::memcpy(message.text, text.data(), message.length);
  Check(info.Env(),
        mach_msg(&message.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
                 sizeof(message), 0, MACH_PORT_NULL, 1000, MACH_PORT_NULL),
        "mach_msg");
  return info.Env().Undefined();
}

// receiveText(name, timeoutMs) -> text, or null on timeout
Napi::Value ReceiveText(const Napi::CallbackInfo& info) {
  mach_port_t name = NameArg(info, 0);
  auto timeout = info[1].As<Napi::Number>().Uint32Value();
  ReceivedText received;
  std::memset(&received, 0, sizeof(received));
  kern_return_t kr =
      mach_msg(&received.message.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
               sizeof(received), name, timeout, MACH_PORT_NULL);
  if (kr == MACH_RCV_TIMED_OUT)
    return info.Env().Null();
  if (!Check(info.Env(), kr, "mach_msg"))
    return info.Env().Undefined();
  std::string text(received.message.text,
                   std::min<size_t>(received.message.length, kMaxText));
  mach_msg_destroy(&received.message.header);
  return Napi::String::New(info.Env(), text);
}

// rightRefs(name, 'send' | 'receive' | 'send-once' | 'dead-name') -> user
// references, or -1 when the name is not a right of this task.
Napi::Value RightRefs(const Napi::CallbackInfo& info) {
  mach_port_t name = NameArg(info, 0);
  std::string which = info[1].As<Napi::String>().Utf8Value();
  mach_port_right_t right = which == "receive"     ? MACH_PORT_RIGHT_RECEIVE
                            : which == "send-once" ? MACH_PORT_RIGHT_SEND_ONCE
                            : which == "dead-name" ? MACH_PORT_RIGHT_DEAD_NAME
                                                   : MACH_PORT_RIGHT_SEND;
  mach_port_urefs_t refs = 0;
  kern_return_t kr = mach_port_get_refs(mach_task_self(), name, right, &refs);
  return Napi::Number::New(info.Env(),
                           kr == KERN_SUCCESS ? static_cast<double>(refs) : -1);
}

// makeSendOnceRight(name) -> name of a new send-once right to `name`.
Napi::Value MakeSendOnceRight(const Napi::CallbackInfo& info) {
  mach_port_t name = NameArg(info, 0);
  mach_port_t send_once = MACH_PORT_NULL;
  mach_msg_type_name_t acquired = 0;
  if (!Check(info.Env(),
             mach_port_extract_right(mach_task_self(), name,
                                     MACH_MSG_TYPE_MAKE_SEND_ONCE, &send_once,
                                     &acquired),
             "mach_port_extract_right")) {
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), send_once);
}

// release(name, 'send' | 'receive'): drops one reference of that right.
Napi::Value Release(const Napi::CallbackInfo& info) {
  mach_port_t name = NameArg(info, 0);
  std::string which = info[1].As<Napi::String>().Utf8Value();
  if (which == "receive") {
    Check(
        info.Env(),
        mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1),
        "mach_port_mod_refs");
  } else {
    Check(info.Env(), mach_port_deallocate(mach_task_self(), name),
          "mach_port_deallocate");
  }
  return info.Env().Undefined();
}

// nameCount() -> how many port names this task holds.
Napi::Value NameCount(const Napi::CallbackInfo& info) {
  mach_port_name_array_t names = nullptr;
  mach_msg_type_number_t names_count = 0;
  mach_port_type_array_t types = nullptr;
  mach_msg_type_number_t types_count = 0;
  if (!Check(info.Env(),
             mach_port_names(mach_task_self(), &names, &names_count, &types,
                             &types_count),
             "mach_port_names")) {
    return info.Env().Undefined();
  }
  vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(names),
                names_count * sizeof(*names));
  vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(types),
                types_count * sizeof(*types));
  return Napi::Number::New(info.Env(), names_count);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("newReceiveRight", Napi::Function::New(env, NewReceiveRight));
  exports.Set("makeSendRight", Napi::Function::New(env, MakeSendRight));
  exports.Set("makeSendOnceRight", Napi::Function::New(env, MakeSendOnceRight));
  exports.Set("sendText", Napi::Function::New(env, SendText));
  exports.Set("receiveText", Napi::Function::New(env, ReceiveText));
  exports.Set("rightRefs", Napi::Function::New(env, RightRefs));
  exports.Set("release", Napi::Function::New(env, Release));
  exports.Set("nameCount", Napi::Function::New(env, NameCount));
  return exports;
}

}  // namespace

NODE_API_MODULE(mach_helper, Init)
