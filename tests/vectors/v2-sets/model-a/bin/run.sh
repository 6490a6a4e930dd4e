#!/bin/sh
echo model a
