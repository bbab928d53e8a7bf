{
  "variables": {
    "core_sources": [
      "addon/core/body_pool.cc",
      "addon/core/channel_frames.cc",
      "addon/core/channel_sender.cc",
      "addon/core/debug_log.cc",
      "addon/core/deferred_release.cc",
      "addon/core/endpoint_name.cc",
      "addon/core/held_requests.cc",
      "addon/core/large_copy.cc",
      "addon/core/mapping_budget.cc",
      "addon/core/outgoing_handles.cc",
      "addon/core/out_of_line_settings.cc",
      "addon/core/owned_handle.cc",
      "addon/core/registration_table.cc",
      "addon/core/reply_policy.cc",
      "addon/core/right_specs.cc",
      "addon/core/threaded_server.cc",
      "addon/core/unsent_replies.cc",
      "addon/core/wire_format.cc"
    ],
    "napi_sources": [
      "addon/napi/channel_bindings.cc",
      "addon/napi/channel_driver.cc",
      "addon/napi/channel_driver_bodies.cc",
      "addon/napi/channel_factories.cc",
      "addon/napi/client_bindings.cc",
      "addon/napi/constants.cc",
      "addon/napi/external_buffers.cc",
      "addon/napi/in_place_view.cc",
      "addon/napi/js_args.cc",
      "addon/napi/js_error.cc",
      "addon/napi/launch_ends.cc",
      "addon/napi/mapped_regions.cc",
      "addon/napi/module.cc",
      "addon/napi/outgoing_handle_args.cc",
      "addon/napi/received_message_js.cc",
      "addon/napi/received_bodies.cc",
      "addon/napi/received_payloads.cc",
      "addon/napi/server_bindings.cc",
      "addon/napi/shared_memory_bindings.cc"
    ]
  },
  "targets": [
    {
      "target_name": "electron_port_rendezvous",
      "sources": [
        "<@(core_sources)",
        "<@(napi_sources)"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "addon"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": [
        "-fno-exceptions"
      ],
      "cflags_cc!": [
        "-fno-exceptions",
        "-std=gnu++17"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-fvisibility=hidden"
      ],
      "conditions": [
        [
          "OS=='linux'",
          {
            "sources": [
              "addon/linux/channel_transport.cc",
              "addon/linux/client.cc",
              "addon/linux/copy_helper.cc",
              "addon/linux/default_dispositions.cc",
              "addon/linux/endpoint.cc",
              "addon/linux/fd_passing.cc",
              "addon/linux/fd_right.cc",
              "addon/linux/fixed_mapping.cc",
              "addon/linux/huge_pages.cc",
              "addon/linux/memfd_checks.cc",
              "addon/linux/memfd_mapping.cc",
              "addon/linux/message_body.cc",
              "addon/linux/pooled_body.cc",
              "addon/linux/peer_admission.cc",
              "addon/linux/pidfd_exit_watch.cc",
              "addon/linux/process_parent.cc",
              "addon/linux/server.cc",
              "addon/linux/shared_memory.cc",
              "addon/linux/handles.cc",
              "addon/posix/fd_spec.cc",
              "addon/posix/process_id.cc",
              "addon/posix/uv_poll_source.cc"
            ],
            "libraries": [
              "-pthread"
            ]
          }
        ],
        [
          "OS=='mac'",
          {
            "sources": [
              "addon/mac/channel_layout.cc",
              "addon/mac/channel_receiving.cc",
              "addon/mac/channel_recovery.cc",
              "addon/mac/channel_sending.cc",
              "addon/mac/channel_transport.cc",
              "addon/mac/client.cc",
              "addon/mac/copy_helper.cc",
              "addon/mac/default_dispositions.cc",
              "addon/mac/fixed_mapping.cc",
              "addon/mac/handles.cc",
              "addon/mac/mach_right.cc",
              "addon/mac/memory_entry.cc",
              "addon/mac/message_body.cc",
              "addon/mac/pooled_body.cc",
              "addon/mac/proc_exit_watch.cc",
              "addon/mac/server.cc",
              "addon/mac/shared_memory.cc",
              "addon/posix/fd_spec.cc",
              "addon/posix/process_id.cc",
              "addon/posix/uv_poll_source.cc"
            ],
            "xcode_settings": {
              "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
              "MACOSX_DEPLOYMENT_TARGET": "10.15",
              "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
              "OTHER_CPLUSPLUSFLAGS": [
                "-Wall",
                "-Wextra",
                "-Werror"
              ]
            }
          }
        ],
        [
          "OS=='win'",
          {
            "sources": [
              "addon/win/channel_pipe_pair.cc",
              "addon/win/client.cc",
              "addon/win/copy_helper.cc",
              "addon/win/default_dispositions.cc",
              "addon/win/exit_watch.cc",
              "addon/win/fixed_mapping.cc",
              "addon/win/handle_offers.cc",
              "addon/win/handle_right.cc",
              "addon/win/handles.cc",
              "addon/win/host_descriptors.cc",
              "addon/win/offer_pull.cc",
              "addon/win/overlapped_io.cc",
              "addon/win/owner_only_security.cc",
              "addon/win/pipe_channel.cc",
              "addon/win/pipe_endpoint.cc",
              "addon/win/pipe_event_source.cc",
              "addon/win/process_id.cc",
              "addon/win/process_parent.cc",
              "addon/win/release.cc",
              "addon/win/reply_frame.cc",
              "addon/win/section_info.cc",
              "addon/win/server.cc",
              "addon/win/server_replies.cc",
              "addon/win/shared_memory.cc",
              "addon/win/socket_rights.cc"
            ],
            "defines": [
              "_WIN32_WINNT=0x0A00",
              "WIN32_LEAN_AND_MEAN",
              "NOMINMAX",
              "UNICODE",
              "_UNICODE"
            ],
            "libraries": [
              "ws2_32.lib",
              "advapi32.lib"
            ],
            "msvs_settings": {
              "VCCLCompilerTool": {
                "ExceptionHandling": 1,
                "AdditionalOptions": [
                  "/std:c++17",
                  "/utf-8",
                  "/W3"
                ]
              }
            }
          }
        ]
      ]
    }
  ],
  "conditions": [
    [
      "<!(node -p \"+(require('fs').existsSync('test/native/unit_tests_module.cc') && !process.env.PREBUILD_PLATFORM && process.platform !== 'win32')\")==1",
      {
        "targets": [
          {
            "target_name": "core_unit_tests",
            "sources": [
              "<@(core_sources)",
              "test/native/captured_stderr.cc",
              "addon/napi/channel_driver.cc",
              "addon/napi/channel_driver_bodies.cc",
              "addon/napi/received_bodies.cc",
              "test/native/body_pool_test.cc",
              "addon/posix/uv_poll_source.cc",
              "test/native/channel_driver_test.cc",
              "test/native/channel_sender_test.cc",
              "test/native/debug_log_test.cc",
              "test/native/endpoint_name_test.cc",
              "test/native/fake_channel_transport.cc",
              "test/native/fake_rights.cc",
              "test/native/frame_bytes.cc",
              "test/native/handle_log.cc",
              "test/native/held_requests_test.cc",
              "test/native/copy_helper_test.cc",
              "test/native/large_copy_test.cc",
              "test/native/mapping_budget_test.cc",
              "test/native/message_assembler_test.cc",
              "test/native/owned_handle_test.cc",
              "test/native/payload_carrier_test.cc",
              "test/native/outgoing_handles_test.cc",
              "test/native/registration_table_test.cc",
              "test/native/scoped_fd_test.cc",
              "test/native/reply_policy_test.cc",
              "test/native/scoped_generic_test.cc",
              "test/native/unit_tests_module.cc",
              "test/native/unsent_replies_test.cc"
            ],
            "include_dirs": [
              "<!(node -p \"require('node-addon-api').include_dir\")",
              "addon"
            ],
            "defines": [
              "NAPI_VERSION=8",
              "NAPI_DISABLE_CPP_EXCEPTIONS",
              "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
            ],
            "cflags!": [
              "-fno-exceptions"
            ],
            "cflags_cc!": [
              "-fno-exceptions",
              "-std=gnu++17"
            ],
            "cflags_cc": [
              "-std=c++17",
              "-Wall",
              "-Wextra",
              "-Werror",
              "-fvisibility=hidden"
            ],
            "conditions": [
              [
                "OS=='linux'",
                {
                  "sources": [
                    "addon/linux/copy_helper.cc",
                    "test/native/copy_helper_placement_test.cc"
                  ],
                  "libraries": [
                    "-pthread"
                  ]
                }
              ],
              [
                "OS=='mac'",
                {
                  "sources": [
                    "addon/mac/copy_helper.cc"
                  ]
                }
              ],
              [
                "OS=='win'",
                {
                  "sources": [
                    "addon/win/copy_helper.cc"
                  ]
                }
              ]
            ],
            "xcode_settings": {
              "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
              "MACOSX_DEPLOYMENT_TARGET": "10.15",
              "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
              "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
              "OTHER_CPLUSPLUSFLAGS": [
                "-Wall",
                "-Wextra",
                "-Werror"
              ]
            }
          }
        ]
      }
    ]
  ]
}
