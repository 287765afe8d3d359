package io.hookline.api;
