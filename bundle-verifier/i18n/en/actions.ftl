# Install actions: services and the vendor's steps around the switch.
action-stop-service = stop service { $name }
action-start-service = start service { $name }
action-run = run { $command }
action-check = check { $command }
action-why-exit = it exited with code { $code }
action-why-killed = it was killed by a signal
action-why-timeout = it ran longer than { $seconds } s and was stopped
action-why-io = it could not be run ({ $detail })
error-action-failed = the { $phase } step "{ $kind } { $target }" failed: { $how }; its last output: { $output }
actions-heading = Steps around the install, in order:
action-result-ok = done
action-result-reboot-required = done, the instrument must be restarted
action-result-not-running = was not running
action-result-already-running = was already running
action-result-failed = failed
action-result-timed-out = timed out
actions-reboot-required = Restart the instrument to finish the install: a step reported that a restart is required.
