package io.hookline.broker;
