package dev.reelay.query.tasks;

import org.springframework.data.jpa.repository.JpaRepository;

interface TaskViewRepository extends JpaRepository<TaskView, String> {
}
