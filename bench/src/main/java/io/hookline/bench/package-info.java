package io.hookline.bench;
