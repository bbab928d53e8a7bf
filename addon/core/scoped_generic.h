// The one move-only owner every kind of handle is held in: a descriptor, a
// Mach right, a dispatch object, a handle of any kind a message carries.
// What differs between kinds is in a traits type, kept with the platform
// code that knows the OS call:
//
//   static T InvalidValue();      what an empty owner holds
//   Free(T value);                gives one valid value back to the OS; it
//                                 reports its own failures (it has no caller
//                                 to tell: it runs from destructors)
//   static bool IsValid(T value); optional; without it, value != Invalid.
//                                 For kinds with more than one value that
//                                 owns nothing (MACH_PORT_DEAD, fd -2).
//
// Traits may carry state (which kind of right a handle is, where to release
// it): the state moves with the value. Free runs with the state the value
// was taken with.
#ifndef ADDON_CORE_SCOPED_GENERIC_H_
#define ADDON_CORE_SCOPED_GENERIC_H_

#include <type_traits>
#include <utility>

namespace rendezvous {

template <typename T, typename Traits>
class ScopedGeneric {
 public:
  using element_type = T;
  using traits_type = Traits;

  ScopedGeneric() = default;
  explicit ScopedGeneric(T value) : data_(value) {}
  ScopedGeneric(T value, const Traits& traits) : data_(value, traits) {}
  ScopedGeneric(ScopedGeneric&& other) noexcept
      : data_(other.release(), std::move(other.mutable_traits())) {}
  ScopedGeneric& operator=(ScopedGeneric&& other) noexcept {
    // The value held now is freed with the state it came with; moving onto
    // itself frees nothing (the value is released before reset sees it).
    Traits traits = std::move(other.mutable_traits());
    reset(other.release());
    mutable_traits() = std::move(traits);
    return *this;
  }
  ScopedGeneric(const ScopedGeneric&) = delete;
  ScopedGeneric& operator=(const ScopedGeneric&) = delete;
  ~ScopedGeneric() { reset(); }

  T get() const { return data_.value; }
  bool is_valid() const { return IsValid(data_.value); }
  explicit operator bool() const { return is_valid(); }

  // Frees what is held (if valid), then holds `value`.
  void reset(T value = Traits::InvalidValue()) {
    T previous = std::exchange(data_.value, value);
    if (IsValid(previous))
      data_.Free(previous);
  }
  // Gives the value up without freeing it.
  [[nodiscard]] T release() {
    return std::exchange(data_.value, Traits::InvalidValue());
  }
  // For the out-parameter of a call that writes a handle: what is held is
  // freed first, and the call's value is owned from then on.
  T* receive() {
    reset();
    return &data_.value;
  }

  const Traits& traits() const { return data_; }

 protected:
  Traits& mutable_traits() { return data_; }

 private:
  template <typename U, typename = void>
  struct HasIsValid : std::false_type {};
  template <typename U>
  struct HasIsValid<U, std::void_t<decltype(U::IsValid(std::declval<T>()))>>
      : std::true_type {};

  static bool IsValid(T value) {
    if constexpr (HasIsValid<Traits>::value)
      return Traits::IsValid(value);
    else
      return value != Traits::InvalidValue();
  }

  // Stateless traits take no room (empty base).
  struct Data : Traits {
    Data() = default;
    explicit Data(T v) : value(v) {}
    Data(T v, Traits traits) : Traits(std::move(traits)), value(v) {}
    T value = Traits::InvalidValue();
  };
  Data data_;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_SCOPED_GENERIC_H_
